"""Pose from video: the BlazePose model file (``pose.model``) and the estimators behind one small
interface (``pose.estimator``): MediaPipe on decoded frames, or a precomputed keypoint file.
Nothing here imports mediapipe until a model is actually run."""
