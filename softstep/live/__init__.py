"""Live mode (``softstep listen``): the footfall stage fed block by block, quiet-running cues,
sound in and out, and the session saved as a run."""
