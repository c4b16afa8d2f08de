"""``check_photo``: the capture check's verdict on one photo, for every surface alike.

Faces are found with the offline engine's BlazeFace detector and measured with its
468-point mesh (kept in 3-D here for the head pose); the selfie mask shows the person and
what touches them. Limits come from :mod:`idphoto_desktop.capture.limits`.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from idphoto_desktop.capture import framing, limits, measures
from idphoto_desktop.capture.mesh3d import Mesh3D, head_pose, mesh_3d, refine_mesh
from idphoto_desktop.capture.report import (
    CHECK,
    RETAKE,
    CaptureReport,
    FaceBox,
    Reason,
    make_reason,
    verdict_of,
)
from idphoto_desktop.core.errors import ImageError, ValidationError
from idphoto_desktop.core.job import CropGeometry, GenerateResult, PhotoSize
from idphoto_desktop.core.presets import Preset
from idphoto_desktop.engines.offline import models as offline_models
from idphoto_desktop.engines.offline.detector import Detection, detect_faces
from idphoto_desktop.engines.offline.folder import models_folder
from idphoto_desktop.engines.offline.imaging import Pyramid
from idphoto_desktop.engines.offline.nets import Networks

U8 = npt.NDArray[np.uint8]
MAX_MESHED = 6
MIN_PRESENCE = 0.5
MAX_SIDE = 2048  # the check works on at most this long side (faces are measured in ratios)

_nets_lock = threading.Lock()
_nets: dict[Path, Networks] = {}


def networks(models_dir: Path | None = None) -> Networks:
    """The detector, mesh and selfie models, loaded once per folder; never downloads."""
    folder = models_dir if models_dir is not None else models_folder()
    with _nets_lock:
        nets = _nets.get(folder)
        if nets is None:
            bad = offline_models.missing_or_bad(folder)
            if bad:
                raise offline_models.ModelsUnavailableError(
                    f"The face models in {folder} are missing or damaged: {', '.join(bad)}.",
                    hint="Run 'idphoto models' once (or set IDPHOTO_MODELS_DIR) and check again.",
                )
            nets = Networks(folder)
            nets.load()
            _nets[folder] = nets
        return nets


def _to_bgr(image: Image.Image) -> tuple[U8, float]:
    """BGR pixels of the upright photo (at most MAX_SIDE), and original px per array px."""
    if image.width < 8 or image.height < 8:
        raise ImageError(f"The photo is too small to check ({image.width}x{image.height} px).")
    scale = 1.0
    work = image
    if max(image.size) > MAX_SIDE:
        scale = max(image.size) / MAX_SIDE
        work = image.copy()
        work.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BILINEAR)
    if work.mode in ("RGBA", "LA", "PA") or (work.mode == "P" and "transparency" in work.info):
        rgba = work.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        work = flat
    rgb = np.asarray(work.convert("RGB"), np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1]), scale


def _geometry(
    rules: limits.Rules, preset: Preset | None, size: PhotoSize | None
) -> CropGeometry | None:
    if preset is not None:
        return preset.geometry
    if size is None:  # ICAO's generic photo: head 70-80 % of the height
        return CropGeometry(head_fraction=(0.7, 0.8))
    return None


def _pose_reasons(yaw: float, pitch: float, roll: float) -> list[Reason]:
    out: list[Reason] = []
    factor = limits.POSE_RETAKE_FACTOR
    if abs(yaw) > limits.YAW_LIMIT:
        sev = RETAKE if abs(yaw) > factor * limits.YAW_LIMIT else CHECK
        # + yaw: the face turns toward the image's right, the customer's own left
        angle, side = measures.angle_words(yaw, "customer's left", "customer's right")
        out.append(
            make_reason("head_yaw", sev, value=yaw, limit=limits.YAW_LIMIT, angle=angle, side=side)
        )
    if abs(pitch) > limits.PITCH_LIMIT:
        sev = RETAKE if abs(pitch) > limits.PITCH_RETAKE_FACTOR * limits.PITCH_LIMIT else CHECK
        angle, direction = measures.angle_words(pitch, "up", "down")
        out.append(
            make_reason(
                "head_pitch",
                sev,
                value=pitch,
                limit=limits.PITCH_LIMIT,
                angle=angle,
                direction=direction,
            )
        )
    if abs(roll) > limits.ROLL_LIMIT:
        # the engines level the eyes: a check, unless levelling cuts the head (see framing)
        out.append(
            make_reason("head_roll", CHECK, value=roll, limit=limits.ROLL_LIMIT, angle=abs(roll))
        )
    return out


def _face_reasons(
    image: U8, mesh: Mesh3D, rules: limits.Rules, measured: dict[str, float | None]
) -> list[Reason]:
    out: list[Reason] = []
    left, right = measures.eye_openness(mesh.points)
    eyes = min(left, right)
    measured["eye_openness_left"] = left
    measured["eye_openness_right"] = right
    if eyes < limits.EYES_CLOSED:
        out.append(make_reason("eyes_closed", RETAKE, value=eyes, limit=limits.EYES_CLOSED))
    elif eyes < limits.EYES_NARROW:
        out.append(make_reason("eyes_narrow", CHECK, value=eyes, limit=limits.EYES_NARROW))
    mouth = measures.mouth_opening(mesh.points)
    measured["mouth_opening"] = mouth
    measured["mouth_limit"] = rules.mouth_limit
    if mouth > limits.MOUTH_WIDE_OPEN:
        out.append(
            make_reason("mouth_wide_open", RETAKE, value=mouth, limit=limits.MOUTH_WIDE_OPEN)
        )
    elif mouth > rules.mouth_limit:
        out.append(make_reason("mouth_open", CHECK, value=mouth, limit=rules.mouth_limit))
    if mouth > limits.TONGUE_MOUTH_OPEN:
        tongue = measures.tongue_share(image, mesh.points)
        measured["tongue_share"] = tongue
        if math.isfinite(tongue) and tongue > limits.TONGUE_SHARE:
            out.append(make_reason("tongue_out", RETAKE, value=tongue, limit=limits.TONGUE_SHARE))
    measured["sharpness"] = mesh.sharpness
    if mesh.sharpness < limits.SHARP_RETAKE:
        out.append(make_reason("blurred", RETAKE, value=mesh.sharpness, limit=limits.SHARP_RETAKE))
    elif mesh.sharpness < limits.SHARP_CHECK:
        out.append(make_reason("blurred", CHECK, value=mesh.sharpness, limit=limits.SHARP_CHECK))
    return out


def _compression_reasons(
    image: Image.Image, det: Detection, scale: float, measured: dict[str, float | None]
) -> list[Reason]:
    """Visible JPEG blocks on the face, measured on the photo's own pixels (the check's
    working copy may be reduced, which would blur the block edges away)."""
    box = (
        max(0, round(det.x0 * scale)),
        max(0, round(det.y0 * scale)),
        min(image.width, round((det.x0 + det.width) * scale)),
        min(image.height, round((det.y0 + det.height) * scale)),
    )
    if min(box[2] - box[0], box[3] - box[1]) < limits.BLOCKY_MIN_SIDE:
        return []
    gray = np.asarray(image.crop(box).convert("L"), np.uint8)
    value = measures.blockiness(gray)
    measured["blockiness"] = value
    if not math.isfinite(value) or value < limits.BLOCKY_CHECK:
        return []
    severity, limit = (
        (RETAKE, limits.BLOCKY_RETAKE)
        if value >= limits.BLOCKY_RETAKE
        else (CHECK, limits.BLOCKY_CHECK)
    )
    return [make_reason("compressed", severity, value=value, limit=limit)]


def _mostly_black(light: measures.Light) -> bool:
    """Half the face or more at OFIQ's under-exposure level: a face in the dark."""
    return math.isfinite(light.black) and light.black >= limits.FACE_BLACK_SHARE


def _dark_reasons(light: measures.Light, white: float) -> list[Reason]:
    """A dark face: underexposed when the photo or the face says so beyond the skin
    (see limits.SCENE_DARK), else a check that the face is lit well (a dark skin tone)."""
    if light.mean >= limits.DARK_CHECK:
        return []
    if not (white < limits.SCENE_DARK or _mostly_black(light)):
        return [make_reason("face_dark", CHECK, value=light.mean, limit=limits.DARK_CHECK)]
    if light.mean < limits.DARK_RETAKE:
        return [make_reason("underexposed", RETAKE, value=light.mean, limit=limits.DARK_RETAKE)]
    return [make_reason("underexposed", CHECK, value=light.mean, limit=limits.DARK_CHECK)]


def _light_reasons(image: U8, mesh: Mesh3D, measured: dict[str, float | None]) -> list[Reason]:
    light = measures.face_light(image, mesh.points, limits.BRIGHT_LEVEL, limits.FACE_BLACK_LEVEL)
    white = measures.scene_white(image)
    measured["face_luminance"] = light.mean
    measured["face_black"] = light.black
    measured["scene_white"] = white
    measured["face_clipped"] = light.clipped
    measured["illumination_uniformity"] = light.uniformity
    out: list[Reason] = [] if not math.isfinite(light.mean) else _dark_reasons(light, white)
    if math.isfinite(light.clipped):
        pct = 100.0 * light.clipped
        if light.clipped > limits.BRIGHT_RETAKE:
            out.append(
                make_reason(
                    "overexposed",
                    RETAKE,
                    value=light.clipped,
                    limit=limits.BRIGHT_RETAKE,
                    percent=pct,
                )
            )
        elif light.clipped > limits.BRIGHT_CHECK:
            out.append(
                make_reason(
                    "overexposed",
                    CHECK,
                    value=light.clipped,
                    limit=limits.BRIGHT_CHECK,
                    percent=pct,
                )
            )
    # a face mostly at the black level has no light to compare between its halves: the
    # ratio of two near-black means is noise (the underexposure is said above)
    if math.isfinite(light.uniformity) and not _mostly_black(light):
        if light.uniformity < limits.UNIFORM_RETAKE:
            out.append(
                make_reason(
                    "uneven_light", RETAKE, value=light.uniformity, limit=limits.UNIFORM_RETAKE
                )
            )
        elif light.uniformity < limits.UNIFORM_CHECK:
            out.append(
                make_reason(
                    "uneven_light", CHECK, value=light.uniformity, limit=limits.UNIFORM_CHECK
                )
            )
    return out


def _colour_reasons(image: U8, mesh: Mesh3D, measured: dict[str, float | None]) -> list[Reason]:
    """A black-and-white photo, or a skin colour no daylight gives (ISO 29794-5's
    natural colour): checks, since a few documents take black and white and only the
    clerk can see whether a cast is the light's or the customer's."""
    colour = measures.face_colour(image, mesh.points, limits.GREY_SPREAD, limits.GREY_SHARE)
    measured["cheek_a"] = colour.a
    measured["cheek_b"] = colour.b
    if colour.grey:
        return [make_reason("black_and_white", CHECK, value=0.0, limit=1.0)]
    if not (math.isfinite(colour.a) and math.isfinite(colour.b)):
        return []
    score = measures.natural_colour_score(colour.a, colour.b)
    measured["natural_colour"] = score
    if score > limits.NATURAL_COLOUR_CHECK:
        return [
            make_reason("unnatural_colour", CHECK, value=score, limit=limits.NATURAL_COLOUR_CHECK)
        ]
    return []


def _framing_reasons(f: framing.Framing, measured: dict[str, float | None]) -> list[Reason]:
    out: list[Reason] = []
    measured["enlargement"] = f.enlargement
    measured["head_height_px"] = f.head_px
    measured["shoulders_gap"] = f.shoulders_gap
    measured["side_cut"] = f.side_cut
    measured["body_side_cut"] = f.body_side_cut
    measured["foreign_area"] = f.foreign
    measured["crown_cut"] = float(f.crown_cut)
    measured["chin_cut"] = float(f.chin_cut)
    if f.enlargement > limits.ENLARGE_RETAKE:
        out.append(
            make_reason(
                "face_small",
                RETAKE,
                value=f.enlargement,
                limit=limits.ENLARGE_RETAKE,
                factor=f.enlargement,
            )
        )
    elif f.enlargement > limits.ENLARGE_CHECK:
        out.append(
            make_reason(
                "face_small",
                CHECK,
                value=f.enlargement,
                limit=limits.ENLARGE_CHECK,
                factor=f.enlargement,
            )
        )
    if f.crown_cut:
        out.append(make_reason("crown_cut", RETAKE, value=1.0, limit=0.0))
    if f.chin_cut:
        out.append(make_reason("chin_cut", RETAKE, value=1.0, limit=0.0))
    if f.side_cut > limits.CUT_SHARE:
        out.append(make_reason("side_cut", RETAKE, value=f.side_cut, limit=limits.CUT_SHARE))
    elif f.body_side_cut > limits.BODY_CUT_CHECK and f.shoulders_gap <= limits.SHOULDERS_CHECK:
        # (a photo ending above the shoulders is said once, below, not twice)
        out.append(
            make_reason("body_side_cut", CHECK, value=f.body_side_cut, limit=limits.BODY_CUT_CHECK)
        )
    if f.shoulders_gap > limits.SHOULDERS_RETAKE:
        out.append(
            make_reason(
                "shoulders_cut",
                RETAKE,
                value=f.shoulders_gap,
                limit=limits.SHOULDERS_RETAKE,
                percent=100 * f.shoulders_gap,
            )
        )
    elif f.shoulders_gap > limits.SHOULDERS_CHECK:
        out.append(
            make_reason(
                "shoulders_cut",
                CHECK,
                value=f.shoulders_gap,
                limit=limits.SHOULDERS_CHECK,
                percent=100 * f.shoulders_gap,
            )
        )
    if f.others_in_frame:
        out.append(
            make_reason("other_face_in_frame", RETAKE, value=float(f.others_in_frame), limit=0.0)
        )
    if f.foreign > limits.FOREIGN_RETAKE:
        out.append(
            make_reason("foreign_region", RETAKE, value=f.foreign, limit=limits.FOREIGN_RETAKE)
        )
    elif f.foreign > limits.FOREIGN_CHECK:
        out.append(
            make_reason("foreign_region", CHECK, value=f.foreign, limit=limits.FOREIGN_CHECK)
        )
    return out


def find_faces(nets: Networks, image: U8) -> list[tuple[Detection, Mesh3D]]:
    """Real faces (one mesh pass confirms each), left to right by their box's centre."""
    pyr = Pyramid(image)
    found = detect_faces(image, nets.detect)
    meshed = [(det, mesh_3d(pyr, det, nets.mesh, refine=False)) for det in found[:MAX_MESHED]]
    real = [(det, mesh) for det, mesh in meshed if mesh.presence >= MIN_PRESENCE]
    return sorted(real, key=lambda pair: pair[0].center[0])


def _refined(nets: Networks, image: U8, mesh: Mesh3D) -> Mesh3D:
    """The chosen face's mesh on the steadier second crop (kept if that loses the face)."""
    again = refine_mesh(Pyramid(image), mesh, nets.mesh)
    return again if again.presence >= MIN_PRESENCE else mesh


def check_photo(
    image: Image.Image,
    *,
    preset: Preset | None = None,
    size: PhotoSize | None = None,
    face: int | None = None,
    result: GenerateResult | None = None,
    models_dir: Path | None = None,
) -> CaptureReport:
    """The verdict on ``image`` (the upright original) for ``preset``/``size``.

    ``face`` picks a face (1-based, left to right); by default the largest is used.
    ``result``, when given, is also checked (what is left of the old background).
    Raises ``ImageError``/``ModelsUnavailableError`` only when nothing can be checked,
    ``ValidationError`` when ``face`` names no face.
    """
    started = time.perf_counter()
    nets = networks(models_dir)
    bgr, scale = _to_bgr(image)
    rules = limits.rules_for(preset, size)
    faces = find_faces(nets, bgr)
    measured: dict[str, float | None] = {"faces": float(len(faces))}
    boxes = tuple(
        FaceBox(i + 1, d.x0 * scale, d.y0 * scale, d.width * scale, d.height * scale, d.score)
        for i, (d, _) in enumerate(faces)
    )
    reasons: list[Reason] = []
    if not faces:
        reasons.append(make_reason("no_face", RETAKE, value=0.0, limit=1.0))
        measured["check_ms"] = (time.perf_counter() - started) * 1000.0
        return CaptureReport(verdict_of(tuple(reasons)), tuple(reasons), boxes, None, measured)
    if face is not None:
        if not 1 <= face <= len(faces):
            if len(faces) == 1:  # whole sentences, so that each one can be translated
                message = f"There is no face {face} in this photo: it has only 1 face."
            else:
                message = (
                    f"There is no face {face} in this photo: it has {len(faces)} faces, "
                    "numbered from the left."
                )
            raise ValidationError(message, hint=f"Choose a face number from 1 to {len(faces)}.")
        index = face - 1
    else:
        index = max(range(len(faces)), key=lambda i: faces[i][0].area)
        if len(faces) > 1:
            reasons.append(
                make_reason(
                    "several_faces",
                    CHECK,
                    value=float(len(faces)),
                    limit=1.0,
                    count=len(faces),
                    chosen=index + 1,
                )
            )
    det, mesh = faces[index]
    mesh = _refined(nets, bgr, mesh)
    others = [d for i, (d, _) in enumerate(faces) if i != index]

    pose = head_pose(mesh.points)
    measured.update(yaw_deg=pose.yaw, pitch_deg=pose.pitch, roll_deg=pose.roll)
    ied = measures.inter_eye_distance(mesh.points)
    measured["inter_eye_px"] = ied * scale
    reasons += _pose_reasons(pose.yaw, pose.pitch, pose.roll)
    reasons += _face_reasons(bgr, mesh, rules, measured)
    reasons += _light_reasons(bgr, mesh, measured)
    reasons += _colour_reasons(bgr, mesh, measured)
    reasons += _compression_reasons(image, det, scale, measured)

    mask = framing.person_mask(nets, bgr, (det.center[0], det.center[1]))
    geometry = _geometry(rules, preset, size)
    frame = framing.measure(mesh.flat(), det, mask, others, bgr.shape, rules.size, geometry)
    # the enlargement and the head are per original pixel
    frame = replace(frame, enlargement=frame.enlargement / scale, head_px=frame.head_px * scale)
    reasons += _framing_reasons(frame, measured)

    if result is not None:
        from idphoto_desktop.capture import result_check

        pixels = result_check.result_pixels(result)
        reasons += result_check.check_result(nets, pixels, measured)

    measured["check_ms"] = (time.perf_counter() - started) * 1000.0
    ordered = tuple(sorted(reasons, key=lambda r: 0 if r.severity == RETAKE else 1))
    return CaptureReport(verdict_of(ordered), ordered, boxes, index + 1, measured)


def bgr_of(image: Image.Image) -> U8:
    """The BGR array the check works on (for benches that time the detector alone)."""
    return _to_bgr(image)[0]


__all__ = ["bgr_of", "check_photo", "find_faces", "networks"]
