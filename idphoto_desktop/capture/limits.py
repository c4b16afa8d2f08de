"""Every limit the capture check applies, with where it comes from.

Head pose, expression, eyes and framing follow ICAO Doc 9303 part 3 (and ISO/IEC 19794-5,
whose photo rules it takes over); the measures themselves follow ISO/IEC 29794-5 as its
reference implementation OFIQ defines them (head pose as yaw/pitch/roll, eyes open, mouth
closed, face size as inter-eye distance, under/over-exposure, illumination uniformity,
sharpness). Where a preset's specification (``../shared/specs``) says otherwise, the
preset wins (the US accepts a natural smile). Where a standard gives a limit but a
measurement here has a known error, the "retake" line sits a stated multiple beyond it
and the band between is "check": a person looks, nothing is refused on a measuring error.
"""

from __future__ import annotations

from dataclasses import dataclass

from idphoto_desktop.core.job import PhotoSize
from idphoto_desktop.core.presets import Preset

# --- head pose (ICAO 9303-3 / ISO 19794-5: frontal, within ±5° yaw and pitch, ±8° roll)
YAW_LIMIT = 5.0
PITCH_LIMIT = 5.0
ROLL_LIMIT = 8.0
# The mesh's pose estimate is good to a few degrees: beyond three times ICAO's limit the
# head is visibly turned whatever the error, below it a person looks. Pitch from one view
# is less certain (its zero depends on the face's profile and the camera's height: frontal
# studio portraits spread over about ±7°), so its "retake" line is four times the limit.
POSE_RETAKE_FACTOR = 3.0
PITCH_RETAKE_FACTOR = 4.0

# --- eyes open: eye aspect ratio (eyelid gap over eye width, Soukupova & Cech 2016,
# the landmark form of ISO 29794-5's "eyes open"). Open eyes measure 0.25-0.40 on the mesh,
# a blink under 0.1; 0.2 is that paper's blink threshold.
EYES_CLOSED = 0.12
EYES_NARROW = 0.18

# --- mouth: inner-lip gap over mouth width (ISO 29794-5 "mouth closed" in landmark form).
# ICAO/Schengen: neutral expression, mouth closed. A closed mouth measures under 0.1.
MOUTH_CLOSED = 0.10
# Wide open (talking, shouting, a tongue out) never passes, whatever the preset.
MOUTH_WIDE_OPEN = 0.40

# A tongue: the open mouth's inside mostly tongue-coloured (redder than the skin, neither
# dark cavity nor pale teeth). Only judged when the mouth is clearly open, where the inner
# lip outline no longer takes in the lips themselves.
TONGUE_MOUTH_OPEN = 0.20
TONGUE_SHARE = 0.60

# --- face size: how far the output enlarges the head. Beyond 1.5x an enlarged face looks
# soft (the offline engine's own warning); beyond 2x the source has fewer than half the
# pixels per line the ID photo shows and ICAO's inter-eye minimum (90 px for a full-size
# digital portrait) cannot be met by real detail.
ENLARGE_CHECK = 1.5
ENLARGE_RETAKE = 2.0
ICAO_MIN_INTER_EYE_PX = 90.0
# Without a preset and a size: ICAO's 35x45 mm at 300 dpi, head 70-80 % of the height.
DEFAULT_SIZE = PhotoSize(413, 531)
DEFAULT_HEAD_FRACTION = 0.75

# --- framing: ICAO needs the whole head and the top of the shoulders. Rows of the ID
# photo that the source does not reach, below the chin: 10 % of the height is about half of
# what lies below the chin in a 70-80 % head photo, i.e. the shoulders are missing.
SHOULDERS_CHECK = 0.03
SHOULDERS_RETAKE = 0.10
# A head-top or side follow-line that reaches the photo's edge while still on the person:
# more than this share of the lines = that part of the head is cut.
CUT_SHARE = 0.3
# Ours: below the chin the photo may end at the side inside the ID photo (a photo too
# narrow for the crop); the engines fill that part with background, so the shoulder ends
# in a straight line. Past this share of the rows below the chin it shows: check.
BODY_CUT_CHECK = 0.1

# --- other people and objects (ICAO: no other person or object in the photo). Person-mask
# area outside the head-and-shoulders outline, relative to the head's area.
FOREIGN_CHECK = 0.10
FOREIGN_RETAKE = 0.25

# --- exposure (ISO 29794-5 under/over-exposure prevention, luminance of the face region)
DARK_RETAKE = 45.0  # mean face luminance 0..255
DARK_CHECK = 65.0
# A dark face is not by itself an underexposed photo: a dark skin tone measures as dark as
# a light one in shadow. It is called underexposed only with a second sign that does not
# depend on the skin: the photo's brightest parts are grey too (the luminance under which
# 99.5 % of its pixels stay, measures.scene_white), or most of the face is black (OFIQ's
# under-exposure range, 0..25). Otherwise a dark face is a check for the clerk's eye.
SCENE_DARK = 140.0
"""Measured on the 16 shared photos (measures.scene_white on the check's pixels): 200..255
as taken, 147..188 one stop (half the light) darker, 106..137 two stops darker; below this
the photo itself is underexposed."""
FACE_BLACK_LEVEL = 25  # OFIQ's under-exposure range: luminance 0..25
FACE_BLACK_SHARE = 0.5
"""Ours: half of the face at OFIQ's under-exposure level is a face in the dark (a back-lit
silhouette), whatever the skin."""
BRIGHT_LEVEL = 250  # a pixel at or above this is clipped
BRIGHT_CHECK = 0.10  # share of clipped face pixels
BRIGHT_RETAKE = 0.30
# Illumination uniformity: mean luminance of the darker face half over the brighter one
# (ICAO: no shadows on the face, even lighting).
UNIFORM_CHECK = 0.60
UNIFORM_RETAKE = 0.40
# Sharpness: variance of the Laplacian of the face at the mesh's 192-px crop (a face-size
# normalised figure), scaled to a standard contrast (grey-level deviation 40) so a dim face
# is not called blurred; sharp portraits measure 200-600, the offline engine warns under 60.
SHARP_CHECK = 60.0
SHARP_RETAKE = 25.0

# --- compression (ISO 29794-5's compression artefacts; ICAO 9303-3 and Ireland's Passport
# Online: no visible artefacts): blockiness of the face in the photo as uploaded, the mean
# step across the 8-px JPEG block edges over the mean step elsewhere, the smaller of the
# two directions (measures.blockiness). The 16 shared photos as they are measure 1.01-1.26
# (web JPEGs re-saved by their sites included); saved again at JPEG quality 30 they
# measure 1.50-2.01, at 20 1.62-2.57, at 10 2.15-4.03 (/work/team/s29/block.py: the face
# box found by the check, each photo at each quality).
BLOCKY_CHECK = 1.7
BLOCKY_RETAKE = 2.3
BLOCKY_MIN_SIDE = 48  # a smaller face box has too few block edges to measure

# --- colour (ISO 29794-5 natural colour; OFIQ's measure on the cheeks, see measures.py).
# OFIQ's raw score 10 is its quality 54 of 100 (its sigmoid: h 200, x0 0, w 10). The 16
# shared photos measure 0 (15 of them) and 1.8 (a desaturated film still); a cheek
# turned green or blue by a light or the white balance scores 100 (a* or b* below 0).
NATURAL_COLOUR_CHECK = 10.0
# A black-and-white photo: fewer than 0.5 % of its pixels with channels more than 8
# levels apart (a colour photo's skin, clothes and backdrop have far more; a grey
# photo stored as RGB, or re-encoded as JPEG, stays within a few levels).
GREY_SPREAD = 8
GREY_SHARE = 0.005

# --- the made ID photo: share of the band around the person (6 % of the width wide) that
# the result keeps but the selfie model calls background, after thin fringes are removed.
# Soft hair edges and JPEG ringing measure under 4 % on clean cut-outs of the shared
# photos; a kept patch of wall, a lamp or a chair back fills far more of the band.
LEFTOVER_CHECK = 0.05
LEFTOVER_RETAKE = 0.15


@dataclass(frozen=True)
class Rules:
    """The limits for one document (a preset, or ICAO's generic photo)."""

    smile_allowed: bool
    size: PhotoSize
    head_fraction: float
    geometry_preset: Preset | None

    @property
    def mouth_limit(self) -> float:
        return MOUTH_WIDE_OPEN if self.smile_allowed else MOUTH_CLOSED


def rules_for(preset: Preset | None, size: PhotoSize | None) -> Rules:
    """The preset's rules where its spec gives them, else ICAO's.

    A natural smile: the US Department of State accepts "a natural smile" (us_* presets,
    country US); ICAO 9303 and the Schengen/EU rules ask for a neutral expression.
    """
    smile = preset is not None and preset.country.upper() == "US"
    out = size or (preset.size if preset is not None else DEFAULT_SIZE)
    head = DEFAULT_HEAD_FRACTION
    pair = preset.head_fraction or preset.head_fraction_source if preset is not None else None
    if pair is not None:
        head = (pair[0] + pair[1]) / 2
    elif preset is not None or size is not None:
        head = 0.6  # no rule: the offline engine's default head (60 % of the height)
    return Rules(smile, out, head, preset)
