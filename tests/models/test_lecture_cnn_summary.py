"""The lecture CNN's summary, figure by figure (the numbers the slides show)."""
import re

import torch

from nnlab.demo import lecture_cnn

EXPECTED = [  # (type, output shape, params) per row of the lecture's summary
    ("Conv2D", "(None, 26, 26, 32)", "320"),
    ("MaxPooling2D", "(None, 13, 13, 32)", "0"),
    ("Conv2D", "(None, 11, 11, 32)", "9,248"),        # 3*3*32*32 + 32
    ("MaxPooling2D", "(None, 5, 5, 32)", "0"),
    ("Flatten", "(None, 800)", "0"),                   # 5*5*32
    ("Dense", "(None, 64)", "51,264"),                 # 800*64 + 64
    ("Dense", "(None, 10)", "650"),                    # 64*10 + 10
]


def test_lecture_cnn_summary_figures():
    model = lecture_cnn()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    rows = re.findall(r"^ \S+ \((\w+)\)\s+(\(.*?\))\s+([\d,]+)\s*$", text, re.M)
    assert rows == EXPECTED
    assert "Total params: 61,482 " in text and "Trainable params: 61,482 " in text
    assert "Non-trainable params: 0 " in text
    # the figures are the real ones: per-layer parameter counts and a forward pass
    assert [sum(p.numel() for p in layer.parameters()) for layer in model.layers] == \
        [int(p.replace(",", "")) for _, _, p in EXPECTED]
    assert model.count_params() == 61482
    out = model.layers[4](model.layers[3](model.layers[2](model.layers[1](
        model.layers[0](torch.rand(2, 28, 28, 1))))))
    assert out.shape == (2, 800)
