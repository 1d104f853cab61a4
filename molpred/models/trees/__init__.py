"""Tree model families (``gbdt``, ``rf``) beside the networks: :mod:`.model` fits and predicts,
:mod:`.storage` saves and loads them without pickle."""
