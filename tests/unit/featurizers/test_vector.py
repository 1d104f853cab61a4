"""Molecule vectors: RDKit 2D descriptors computed once per molecule when models share them."""

import numpy as np


def test_descriptor_memo_shares_equal_molecules_and_stays_bounded():
    """A salt as given and its standardized parent differ; the parent written two ways is one
    molecule: computed once, and the values are RDKit's own."""
    from rdkit import Chem

    from molpred.featurizers.featurize import DescriptorMemo
    from molpred.featurizers.vector import rdkit2d

    memo = DescriptorMemo(limit=2)
    aspirin, written_otherwise = (Chem.MolFromSmiles(s) for s in
                                  ("CC(=O)Oc1ccccc1C(=O)O", "OC(=O)c1ccccc1OC(C)=O"))
    np.testing.assert_array_equal(memo.rdkit2d(aspirin), rdkit2d(aspirin))
    assert memo.rdkit2d(written_otherwise) is memo.rdkit2d(aspirin) and memo.computed == 1
    memo.rdkit2d(Chem.MolFromSmiles("CC(=O)[O-].[Na+]"))
    memo.rdkit2d(Chem.MolFromSmiles("CCO"))  # a third molecule: the memo of 2 starts again
    assert memo.computed == 3 and len(memo._values) == 1
