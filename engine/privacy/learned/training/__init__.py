"""Training and cross-validation of the learned privacy classifiers (not used at run time)."""
