"""The kiosk's words, Vietnamese first and English second, and the small helpers that pick between them.

    say("ahead", "vi", n=5)       → "Có 5 người đang chờ trước Ông/Bà"
    name_of(unit, "en")           → unit["name_en"] or unit["name"]
    wait_text(720, "vi")          → "khoảng 12 phút"
"""
from __future__ import annotations

from hall.text import nfc

WORDS = {
    "title": ("Lấy số thứ tự", "Take a ticket"),
    "choose_unit": ("Chạm để lấy số thứ tự — vui lòng chọn đơn vị", "Touch to take a ticket — choose a department"),
    "choose_service": ("Vui lòng chọn lĩnh vực", "Please choose a field"),
    "priority": ("Ưu tiên", "Priority"),
    "priority_hint": ("Người cao tuổi, khuyết tật, phụ nữ mang thai…", "Elderly, disabled, pregnant…"),
    "choose_priority": ("Vui lòng chọn đối tượng ưu tiên", "Please choose your priority group"),
    "priority_for": ("Ưu tiên: {name} — chọn đơn vị", "Priority: {name} — choose a department"),
    "cancel_priority": ("Bỏ ưu tiên", "Cancel priority"),
    "lookup": ("Tra cứu thủ tục", "Find a procedure"),
    "lookup_hint": ("Gõ tên thủ tục, không cần dấu (ví dụ: ly lich)", "Type the procedure's name (e.g. ly lich)"),
    "no_results": ("Không tìm thấy thủ tục phù hợp", "No procedure found"),
    "language": ("English", "Tiếng Việt"),
    "back": ("‹ Quay lại", "‹ Back"),
    "home": ("Trang chủ", "Home"),
    "done": ("Xong", "Done"),
    "ok": ("Đồng ý", "OK"),
    "waiting": ("Đang chờ: {n}", "Waiting: {n}"),
    "wait": ("Chờ {wait}", "Wait {wait}"),
    "paused": ("Tạm ngừng tiếp nhận", "Not taking tickets now"),
    "service_closed": ("Lĩnh vực «{name}» đang tạm ngừng tiếp nhận. Vui lòng liên hệ quầy hướng dẫn.",
                       "«{name}» is not taking tickets just now. Please ask at the information desk."),
    "take_ticket": ("Lấy số thứ tự", "Take a ticket"),
    "documents": ("Hồ sơ cần chuẩn bị", "Documents to bring"),
    "fee": ("Phí, lệ phí: {fee}", "Fees: {fee}"),
    "time_limit": ("Thời hạn giải quyết: {t}", "Time limit: {t}"),
    "unit_service": ("{unit} — {service}", "{unit} — {service}"),
    "issuing": ("Đang lấy số…", "Getting your number…"),
    "your_number": ("SỐ THỨ TỰ CỦA ÔNG/BÀ", "YOUR NUMBER"),
    "ahead": ("Có {n} người đang chờ trước Ông/Bà", "{n} people are waiting before you"),
    "ahead_none": ("Ông/Bà là người tiếp theo", "You are next"),
    "estimated": ("Thời gian chờ dự kiến: {wait}", "Estimated wait: {wait}"),
    "watch": ("Mời theo dõi: {counters}", "Please watch: {counters}"),
    "printing": ("Đang in phiếu…", "Printing your ticket…"),
    "printed": ("Mời Ông/Bà nhận phiếu bên dưới", "Please take your ticket below"),
    "print_fault": ("{message}. Số thứ tự của Ông/Bà vẫn có hiệu lực: vui lòng ghi nhớ số hoặc quét mã QR.",
                    "{message}. Your number is still valid: please remember it or scan the QR code."),
    "printer_down": ("{message} — số thứ tự sẽ hiện trên màn hình", "{message} — your number will be shown on screen"),
    "scan": ("Quét mã để theo dõi lượt", "Scan to follow your turn"),
    "offline": ("Tạm thời gián đoạn", "Temporarily unavailable"),
    "offline_detail": ("Đang kết nối lại với hệ thống. Vui lòng chờ trong giây lát hoặc liên hệ cán bộ hướng dẫn.",
                       "Reconnecting to the hall system. Please wait a moment or ask a member of staff."),
    "connecting": ("Đang kết nối…", "Connecting…"),
    "closed": ("Đã ngừng cấp số thứ tự", "Tickets are not being issued now"),
    "closed_default": ("Ngoài giờ làm việc", "Outside opening hours"),
    "hours": ("Giờ làm việc: {hours}", "Opening hours: {hours}"),
    "error": ("Không lấy được số thứ tự: {message}", "Could not issue a ticket: {message}"),
    "minutes": ("khoảng {n} phút", "about {n} min"),
    "now": ("dưới 1 phút", "under 1 min"),
}


def say(key: str, lang: str = "vi", **values) -> str:
    vi, en = WORDS[key]
    return nfc((en if lang == "en" else vi).format(**values))


def name_of(item: dict, lang: str = "vi", short: bool = False) -> str:
    """The item's name in the language (English falls back to Vietnamese); short_name for tiles when asked."""
    if lang == "en" and item.get("name_en"):
        return nfc(item["name_en"])
    if short and item.get("short_name"):
        return nfc(item["short_name"])
    return nfc(item.get("name") or item.get("code", ""))


def wait_text(seconds, lang: str = "vi") -> str:
    minutes = round((seconds or 0) / 60)
    return say("now", lang) if minutes < 1 else say("minutes", lang, n=minutes)
