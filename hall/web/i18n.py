"""Languages of the pages: Vietnamese (the source text) and English (translations/en, Flask-Babel).

The language comes from ?lang=, else the one chosen with the switch (kept in the session), else Vietnamese.
The compiled .mo is committed beside its .po (tests/test_web.py checks they agree), so nothing is built at install.
"""
from __future__ import annotations

from pathlib import Path

from flask import request, session
from flask_babel import Babel, get_locale, gettext as _

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    return session.get("lang") if session.get("lang") in LANGUAGES else "vi"


def init_babel(app) -> None:
    dirs = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations")
    if str(TRANSLATIONS) not in dirs.split(";"):
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"{TRANSLATIONS};{dirs}"
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "vi")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    if "babel" not in app.extensions:
        Babel(app, locale_selector=select_locale)


def lang() -> str:
    return str(get_locale() or "vi")


def localized(obj, field: str) -> str:
    """A config name in the page's language: `name_en` in English when the config gives one."""
    if lang() == "en":
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field)


def js_strings() -> dict:
    """The words the pages' scripts show, in the page's language."""
    return {
        "lang": lang(),
        "states": {"open": _("Đang mở"), "paused": _("Tạm dừng"), "closed": _("Chưa đăng nhập"),
                   "waiting": _("Đang chờ"), "called": _("Đã gọi"), "serving": _("Đang phục vụ"),
                   "done": _("Đã xong"), "no_show": _("Vắng mặt"), "cancelled": _("Đã hủy")},
        "events": {"issued": _("lấy số"), "called": _("gọi số"), "recalled": _("gọi lại"),
                   "started": _("bắt đầu phục vụ"), "finished": _("hoàn thành"), "no_show": _("vắng mặt"),
                   "returned": _("quay lại hàng chờ"), "transferred": _("chuyển"), "cancelled": _("hủy số"),
                   "paused": _("tạm dừng"), "resumed": _("tiếp tục"), "signed_in": _("đăng nhập"),
                   "signed_out": _("đăng xuất"), "rated": _("đánh giá"), "service_opened": _("mở lĩnh vực"),
                   "service_closed": _("đóng lĩnh vực"), "announcement": _("thông báo"),
                   "device_fault": _("thiết bị báo lỗi"), "device_ok": _("thiết bị hoạt động lại"),
                   "reprint": _("in lại phiếu")},
        "short_states": {"open": _("Mở"), "paused": _("Tạm dừng"), "closed": _("Đóng")},
        "none_waiting": _("Không có người chờ"), "waiting": _("người chờ"),
        "longest": _("chờ lâu nhất"), "offline": _("Mất kết nối — đang kết nối lại…"),
        "online": _("Đã kết nối"), "error": _("Lỗi"),
        "called_to": _("Mời số {number} đến quầy {counter}"), "signed_out_by": _("Quầy đã được đăng xuất."),
        "done_ok": _("Đã thực hiện"), "open_now": _("Đang mở"), "closed_now": _("Đang đóng"),
        "sign_out": _("Đăng xuất"), "nobody": "—",
        "wait_over": _("{service}: chờ {minutes} phút (mục tiêu {target})"),
        "bad_rating": _("Quầy {counter}: đánh giá “{label}” cho số {number}"),
        "no_alerts": _("Không có cảnh báo"), "no_faults": _("Mọi thiết bị bình thường"),
        "active": _("Đang dùng"), "disabled": _("Đã khóa"), "enable": _("Mở khóa"), "disable": _("Khóa"),
        "user_added": _("Đã thêm người dùng"), "reprint_sent": _("Đã gửi lệnh in lại"),
        "announcement_set": _("Đã cập nhật thông báo"),
        "confirm_signout": _("Đăng xuất cán bộ khỏi quầy {counter}?"),
        "no_ticket": _("Chưa gọi số nào"),
        "unreceived": _("Ki-ốt chưa xác nhận đã giao số này: có thể không có ai giữ số"), "role_clerk": _("Cán bộ"), "role_supervisor": _("Giám sát"),
        "role_admin": _("Quản trị"),
        "errors": {"queue_empty": _("Không có người chờ cho quầy này"),
                   "invalid_state": _("Không thực hiện được ở trạng thái hiện tại"),
                   "closed": _("Quầy hoặc lĩnh vực đang đóng"), "conflict": _("Xung đột — đã có thay đổi khác"),
                   "not_found": _("Không tìm thấy"), "forbidden": _("Không có quyền thực hiện"),
                   "unauthorized": _("Cần đăng nhập lại"), "invalid": _("Dữ liệu không hợp lệ"),
                   "network": _("Không kết nối được máy chủ"),
                   "too_many_sign_ins": _("Tạm khóa đăng nhập"), "busy": _("Máy chủ đang bận")},
    }


def sign_ins_refused(kind: str, retry_after_s: int) -> str:
    """Why a sign-in was refused before its password was checked (hall/lockouts.py), in the client's language."""
    if kind == "busy":
        return _("Máy chủ đang kiểm tra nhiều lần đăng nhập. Vui lòng thử lại sau {seconds} giây.").format(
            seconds=retry_after_s)
    if retry_after_s <= 1:
        return _("Đang kiểm tra các lần đăng nhập trước. Vui lòng thử lại sau giây lát.")
    minutes = -(-retry_after_s // 60)
    if kind == "address":
        return _("Máy này bị tạm khóa đăng nhập vì sai mật khẩu nhiều lần. Vui lòng thử lại sau {minutes} phút hoặc "
                 "nhờ cán bộ giám sát mở khóa.").format(minutes=minutes)
    return _("Tài khoản bị tạm khóa vì sai mật khẩu nhiều lần. Vui lòng thử lại sau {minutes} phút hoặc nhờ cán bộ "
             "giám sát mở khóa.").format(minutes=minutes)
