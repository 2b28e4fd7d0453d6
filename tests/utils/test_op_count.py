"""CountOps counts the aten operators of a block, by name (known answers)."""
import torch

from nnlab.utils.op_count import CountOps


def test_counts_each_operator_of_the_block_by_name():
    a, b = torch.ones(3), torch.full((3,), 2.0)
    with CountOps() as counter:
        c = a + b
        d = (c * b).sum()
    assert counter.ops == {"aten.add.Tensor": 1, "aten.mul.Tensor": 1, "aten.sum.default": 1}
    assert float(d) == 18.0  # the operators still run


def test_counts_nothing_outside_the_block():
    with CountOps() as counter:
        pass
    torch.ones(2).add_(1)
    assert not counter.ops
