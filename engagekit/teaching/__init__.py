"""Teaching and study data: the sample client generator with a known truth, its scenarios, the
study worlds of another process, truth scoring and the lesson helpers. May use every stage; nothing
but the command line and the lesson uses it."""

from engagekit.teaching.recovery import score_verdicts
from engagekit.teaching.sample import write_sample
from engagekit.teaching.sample_truth import Driver, Fatigue, Launch, SampleTruth, random_truth
from engagekit.teaching.scenarios import SCENARIOS, scenario
from engagekit.teaching.study_world import random_world, write_world

__all__ = ["Driver", "Fatigue", "Launch", "SCENARIOS", "SampleTruth", "random_truth", "random_world", "scenario",
           "score_verdicts", "write_sample", "write_world"]
