# ruff: noqa: E501 (one Chinese sentence per line reads better than split ones)
"""The clerk's words for every capture-check reason: English templates and their Chinese.

One stable code per reason; the template's named fields (``{angle}``, ``{factor}``...) are
filled from the measured values. The window translates through Qt (``tr()`` with these
English templates as the source text, the Chinese below as the translation); the CLI
follows the locale (``LANG``/``LC_ALL``/``LC_MESSAGES`` starting with ``zh`` → Chinese).
Nothing here imports Qt.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

# code -> English template. Say what is wrong, then what to do.
TEMPLATES: Mapping[str, str] = {
    "no_face": "No face was found in the photo: take a photo of the customer's face, "
    "looking straight into the camera.",
    "several_faces": "{count} faces are in the photo; face {chosen} from the left was used. "
    "Check that it is the customer, or choose another face.",
    "other_face_in_frame": "Another face is inside the ID photo's frame, next to the customer: "
    "retake the photo with the customer alone.",
    "head_yaw": "Head turned about {angle:.0f}° to the {side} (limit ±{limit:.0f}°): "
    "ask the customer to look straight into the camera.",
    "head_pitch": "Head tilted about {angle:.0f}° {direction} (limit ±{limit:.0f}°): "
    "ask the customer to hold the head level, chin neither up nor down.",
    "head_roll": "Head leaning about {angle:.0f}° to one side (limit ±{limit:.0f}°); the photo "
    "is levelled, check that the shoulders look natural, or ask the customer to sit straight.",
    "eyes_closed": "The eyes look closed: ask the customer to keep the eyes open and retake.",
    "eyes_narrow": "The eyes look half closed: check them, or ask the customer to open the "
    "eyes fully.",
    "mouth_open": "The mouth is open ({value:.2f}, limit {limit:.2f}): "
    "ask the customer to close the mouth and keep a neutral expression.",
    "mouth_wide_open": "The mouth is wide open or the tongue shows: "
    "ask the customer to close the mouth and retake.",
    "tongue_out": "The tongue shows in the open mouth: ask the customer to close the mouth "
    "and retake.",
    "face_small": "The face is small in this photo: the result would be enlarged {factor:.1f}x "
    "(limit {limit:.1f}x) and look soft. Move the camera closer or use a larger photo.",
    "crown_cut": "The top of the head is cut off by the photo's edge: "
    "retake with space above the hair.",
    "chin_cut": "The chin is cut off by the photo's edge: retake with the whole face in the photo.",
    "side_cut": "The side of the head (ear or hair) is cut off by the photo's edge: "
    "retake with the customer in the middle of the photo.",
    "body_side_cut": "The photo ends at the side inside the ID photo: the shoulder is cut "
    "off there in a straight line and filled with background. Check the result, or retake "
    "with the customer in the middle of the photo.",
    "shoulders_cut": "The photo ends above the shoulders: {percent:.0f}% of the ID photo's "
    "height would be empty. Retake with the shoulders in the photo.",
    "foreign_region": "Something next to the customer (another person's hair or hand, or an "
    "object) touches the cut-out: check the result, or retake in front of a plain wall.",
    "underexposed": "The face is too dark (brightness {value:.0f}, limit {limit:.0f}): "
    "add light in front of the customer and retake.",
    "face_dark": "The face measures dark (brightness {value:.0f}, limit {limit:.0f}) in a "
    "photo that is itself well exposed: a dark skin tone measures like this. Check that the "
    "face is lit evenly from the front, not in shadow or lit from behind; retake only if it is.",
    "overexposed": "The face is too bright: {percent:.0f}% of it is washed out. "
    "Reduce the light or the exposure and retake.",
    "uneven_light": "One side of the face is much darker than the other "
    "({value:.2f}, limit {limit:.2f}): light the face evenly from the front and retake.",
    "blurred": "The face is not sharp (sharpness {value:.0f}, limit {limit:.0f}): "
    "hold the camera still, focus on the eyes and retake.",
    "compressed": "The photo is heavily compressed: JPEG blocks show on the face "
    "({value:.1f}, limit {limit:.1f}). Use the camera's original file, not a copy sent "
    "through a messaging app or saved at a low quality.",
    "black_and_white": "The photo is black and white: most documents need a colour photo. "
    "Check the document's rules, or retake in colour.",
    "unnatural_colour": "The skin colour looks unnatural (a colour cast from the light or the "
    "camera's white balance): check the colours, or retake in daylight-balanced light.",
    "background_left": "{percent:.0f}% of the area around the person in the result still shows "
    "the original background: check the edges, or retake in front of a plain wall.",
    "result_no_face": "No face was found in the made ID photo: do not use it; make it again.",
}

# code -> Simplified Chinese, same named fields.
ZH: Mapping[str, str] = {
    "no_face": "照片中没有找到人脸：请拍摄顾客正面直视镜头的照片。",
    "several_faces": "照片中有 {count} 张人脸，使用了从左数第 {chosen} 张。请确认是顾客本人，或选择另一张人脸。",
    "other_face_in_frame": "证件照的取景范围内、顾客旁边还有另一张人脸：请让顾客单独重新拍摄。",
    "head_yaw": "头部向{side}转了约 {angle:.0f}°（限值 ±{limit:.0f}°）：请让顾客正视镜头。",
    "head_pitch": "{direction}约 {angle:.0f}°（限值 ±{limit:.0f}°）：请让顾客保持头部水平，不抬头也不低头。",
    "head_roll": "头部向一侧歪约 {angle:.0f}°（限值 ±{limit:.0f}°）；照片已被扶正，请检查肩膀是否自然，或请顾客坐正。",
    "eyes_closed": "眼睛看起来是闭着的：请让顾客睁开眼睛后重拍。",
    "eyes_narrow": "眼睛看起来半闭：请检查，或请顾客把眼睛完全睁开。",
    "mouth_open": "嘴巴张开（{value:.2f}，限值 {limit:.2f}）：请让顾客闭上嘴，保持自然表情。",
    "mouth_wide_open": "嘴巴张得很大或露出舌头：请让顾客闭上嘴后重拍。",
    "tongue_out": "张开的嘴里露出舌头：请让顾客闭上嘴后重拍。",
    "face_small": "照片中的脸太小：结果需要放大 {factor:.1f} 倍（限值 {limit:.1f} 倍），会显得模糊。请靠近拍摄或使用更大的照片。",
    "crown_cut": "头顶被照片边缘裁掉了：请重拍，在头发上方留出空间。",
    "chin_cut": "下巴被照片边缘裁掉了：请重拍，让整张脸都在照片内。",
    "side_cut": "头部侧面（耳朵或头发）被照片边缘裁掉了：请重拍，让顾客位于照片中间。",
    "body_side_cut": "照片在证件照范围内的侧边就结束了：那里的肩膀被直线裁断，并以背景填充。请检查结果，或重拍，让顾客位于照片中间。",
    "shoulders_cut": "照片在肩膀以上就结束了：证件照高度的 {percent:.0f}% 将是空白。请重拍，让肩膀进入画面。",
    "foreign_region": "顾客旁边有东西（别人的头发或手，或物体）连在抠图里：请检查结果，或在素色墙前重拍。",
    "underexposed": "脸部太暗（亮度 {value:.0f}，限值 {limit:.0f}）：请在顾客正前方补光后重拍。",
    "face_dark": "脸部测得偏暗（亮度 {value:.0f}，限值 {limit:.0f}），但照片本身曝光正常：深肤色也会测得如此。请检查脸部是否从正面均匀照亮、没有处在阴影中或逆光；只有在这种情况下才需重拍。",
    "overexposed": "脸部太亮：{percent:.0f}% 的区域过曝。请减少光线或曝光后重拍。",
    "uneven_light": "脸的一侧比另一侧暗很多（{value:.2f}，限值 {limit:.2f}）：请从正面均匀照亮脸部后重拍。",
    "blurred": "脸部不清晰（清晰度 {value:.0f}，限值 {limit:.0f}）：请拿稳相机、对焦眼睛后重拍。",
    "compressed": "照片压缩过度：脸上能看到 JPEG 方块（{value:.1f}，限值 {limit:.1f}）。请使用相机拍出的原始文件，不要用经聊天软件发送或以低质量保存的副本。",
    "black_and_white": "这是一张黑白照片：大多数证件需要彩色照片。请核对该证件的要求，或用彩色重拍。",
    "unnatural_colour": "肤色看起来不自然（灯光或相机白平衡造成的偏色）：请检查颜色，或在接近日光色温的灯光下重拍。",
    "background_left": "结果中人物周围 {percent:.0f}% 的区域仍是原来的背景：请检查边缘，或在素色墙前重拍。",
    "result_no_face": "生成的证件照中没有找到人脸：请不要使用，重新生成。",
}

# The verdict's headline, as the window's badge and the CLI show it.
VERDICTS: Mapping[str, str] = {
    "ok": "OK: nothing to fix",
    "check": "Check: look at the reasons below before using this photo",
    "retake": "Retake: this photo cannot make a compliant ID photo",
}
VERDICTS_ZH: Mapping[str, str] = {
    "ok": "合格：无需修改",
    "check": "需检查：使用这张照片前请查看下面的原因",
    "retake": "需重拍：这张照片无法做出合格的证件照",
}

# Words put into the templates' fields, translated with them.
WORDS: Mapping[str, str] = {
    "customer's left": "顾客的左边",
    "customer's right": "顾客的右边",
    "up": "抬头",
    "down": "低头",
}


def is_chinese(env: Mapping[str, str] | None = None) -> bool:
    """True when the locale asks for Chinese (LC_ALL, then LC_MESSAGES, then LANG)."""
    source = os.environ if env is None else env
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = source.get(name)
        if value:
            return value.lower().startswith("zh")
    return False


def render(code: str, fields: Mapping[str, Any], *, chinese: bool = False) -> str:
    """The reason's text, in English or Chinese, with its fields filled in."""
    table = ZH if chinese else TEMPLATES
    values = dict(fields)
    if chinese:
        values = {k: WORDS.get(v, v) if isinstance(v, str) else v for k, v in values.items()}
    return table[code].format(**values)
