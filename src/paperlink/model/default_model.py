"""The shipped default model: trained by paperlink on its own synthetic corpus.

A literature search returns a few hundred records, too few pairs for stable EM estimates.
When a job's EM blocks hold fewer than ``linkage.training.min_em_pairs`` pairs, training keeps
the job's own u (random sampling works on small inputs) and its own prior λ, but takes m from
this model.  Regenerate it after changing the settings' comparisons:

    python -m paperlink.model.default_model
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

DEFAULT_MODEL = Path(__file__).resolve().parent / "default_model.json"
WORKS = 4000
SEED = 2024


def build_default_model(path: Path = DEFAULT_MODEL, works: int = WORKS, seed: int = SEED) -> dict:
    from paperlink.pipeline import LinkageJob
    from paperlink.synth import generate

    with tempfile.TemporaryDirectory() as tmp:
        generate(works, Path(tmp), seed=seed)
        job = LinkageJob.from_config(Path(tmp) / "job.toml")
        job.config.linkage.training.min_em_pairs = 0  # always EM here
        job.load()
        job.train()
        model = json.loads(job.model_path.read_text())
        job.close()
    path.write_text(json.dumps(model, indent=2, sort_keys=True) + "\n")
    return model


if __name__ == "__main__":
    build_default_model()
    print(f"wrote {DEFAULT_MODEL}")
