"""Which faces a photo holds, numbered left to right, and which one the clerk means.

The same numbering serves the capture check's list, the window's numbered outlines and
``idphoto generate --face N``: real faces only (a detection the face-mesh model does not
confirm is dropped), ordered by the centre of their box from the left edge of the upright
photo. The scale of the photo does not change the order, so numbers taken on the original
hold on the uploaded copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from idphoto_desktop.core.errors import FaceError
from idphoto_desktop.engines.offline.detector import Detection, detect_faces
from idphoto_desktop.engines.offline.imaging import Pyramid
from idphoto_desktop.engines.offline.landmarks import FaceMesh, face_mesh
from idphoto_desktop.engines.offline.nets import Networks

U8 = npt.NDArray[np.uint8]

MAX_MESHED = 6  # the largest faces checked with the mesh (false detections are dropped there)
MIN_PRESENCE = 0.5


@dataclass(frozen=True)
class Face:
    """One confirmed face: its detection (box in image pixels) and its mesh."""

    detection: Detection
    mesh: FaceMesh


@dataclass(frozen=True)
class Faces:
    """The confirmed faces left to right, and how many detections were not meshed."""

    faces: tuple[Face, ...]
    unchecked: int = 0

    @property
    def count(self) -> int:
        return len(self.faces) + self.unchecked

    def largest(self) -> int:
        """1-based number of the largest face (the automatic choice)."""
        areas = [f.detection.area for f in self.faces]
        return int(np.argmax(areas)) + 1

    def pick(self, face_index: int | None) -> tuple[int, Face]:
        """The face numbered ``face_index`` (1-based) or the largest; a clear error if absent."""
        if not self.faces:
            raise FaceError("No clear face was found in the photo.")
        number = self.largest() if face_index is None else face_index
        if not 1 <= number <= len(self.faces):
            found = len(self.faces)
            raise FaceError(
                f"There is no face {face_index} in this photo: "
                + ("1 face was found." if found == 1 else f"{found} faces were found.")
                + " Faces are numbered from 1, left to right.",
                hint=f"Choose a face from 1 to {found}.",
            )
        return number, self.faces[number - 1]


def find_faces(nets: Networks, image: U8, pyr: Pyramid | None = None) -> Faces:
    """Every confirmed face of ``image`` (BGR), numbered left to right."""
    found = detect_faces(image, nets.detect)
    if not found:
        raise FaceError("No face was found in the photo.")
    pyramid = pyr if pyr is not None else Pyramid(image)
    meshed = [(det, face_mesh(pyramid, det, nets.mesh)) for det in found[:MAX_MESHED]]
    real = [Face(det, mesh) for det, mesh in meshed if mesh.presence >= MIN_PRESENCE]
    real.sort(key=lambda f: f.detection.center[0])
    return Faces(tuple(real), max(0, len(found) - MAX_MESHED))
