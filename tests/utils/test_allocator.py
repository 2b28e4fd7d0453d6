"""The glibc malloc pinning: applied once at the first CPU fit, opt-out respected."""
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import numpy as np, nnlab
    from nnlab.utils import allocator
    {setup}
    print(allocator.malloc_state())
    m = nnlab.Sequential([nnlab.layers.Dense(2, input_shape=(3,))])
    m.compile("sgd", "mse")
    m.fit(np.zeros((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
    print(allocator.malloc_state())
""")


def _run(setup: str, env_extra=None) -> list:
    import os
    env = dict(os.environ, **(env_extra or {}))
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(setup=setup)], env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_first_fit_pins_and_opt_outs_are_respected():
    import platform
    expected = "pinned" if platform.libc_ver()[0] == "glibc" else "not glibc"
    assert _run("") == ["not yet", expected]
    assert _run("nnlab.config.set_malloc_tuning(False)") == ["disabled", "disabled"]
    assert _run("", {"NNLAB_MALLOC_TUNING": "0"}) == ["disabled", "disabled"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
@pytest.mark.parametrize("make", ["nnlab.adversarial.PGD(m, eps=0.1)",
                                  "nnlab.interpret.Saliency(m)"])
def test_an_attack_or_attribution_pins_like_fit(make):
    import platform
    expected = "pinned" if platform.libc_ver()[0] == "glibc" else "not glibc"
    script = textwrap.dedent(f"""
        import nnlab, nnlab.adversarial, nnlab.interpret
        from nnlab.utils import allocator
        m = nnlab.Sequential([nnlab.layers.Dense(2, input_shape=(3,))])
        print(allocator.malloc_state())
        {make}
        print(allocator.malloc_state())
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    assert out.stdout.splitlines() == ["not yet", expected]
