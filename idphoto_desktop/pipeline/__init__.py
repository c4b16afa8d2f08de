"""One job pipeline for the window, the command line and the watched folder.

A :class:`JobContext` carries one photo through the steps in ``DEFAULT_STEPS``
(prepare → check → validate → look up → engine → compose → write → record); the
caller answers the clerk's questions through :class:`Questions`. Qt-free.
"""

from idphoto_desktop.pipeline.context import Checker, JobContext
from idphoto_desktop.pipeline.questions import Answers, FixedQuestions, Pending, Questions
from idphoto_desktop.pipeline.rule import input_digest, pick, serves
from idphoto_desktop.pipeline.run import JobRun, KeptAfterCancelError, run_job
from idphoto_desktop.pipeline.steps import DEFAULT_STEPS, CheckRefusedError, Step

__all__ = [
    "DEFAULT_STEPS",
    "Answers",
    "CheckRefusedError",
    "Checker",
    "FixedQuestions",
    "JobContext",
    "JobRun",
    "KeptAfterCancelError",
    "Pending",
    "Questions",
    "Step",
    "input_digest",
    "pick",
    "run_job",
    "serves",
]
