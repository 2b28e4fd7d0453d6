"""The command line: thin wrappers over the library."""
import pytest

from nnlab import cli


def test_data_list_and_zoo(capsys):
    assert cli.main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "mnist" in out and "efficientnet_lite0" in out
    assert cli.main(["zoo"]) == 0
    out = capsys.readouterr().out
    assert "resnet152" in out and "vgg16" in out


def test_summary_of_a_zoo_model_on_the_meta_device(capsys):
    assert cli.main(["summary", "resnet152"]) == 0
    out = capsys.readouterr().out
    assert "Trainable params: 60,192,808" in out
    assert cli.main(["summary", "vgg16", "--input-shape", "224,224,3", "--num-classes",
                     "1000"]) == 0
    assert "Total params: 138,357,544" in capsys.readouterr().out


def test_bad_arguments_are_explained(capsys):
    with pytest.raises(SystemExit):
        cli.main(["summary", "vgg16", "--input-shape", "224x224"])
    assert "comma-separated ints" in capsys.readouterr().err
    assert cli.main(["summary", "vgg17"]) == 2
    assert "Unknown zoo model 'vgg17'" in capsys.readouterr().err
    assert cli.main(["data", "fetch"]) == 2


def test_help_is_written_for_users(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "nnlab demo" in out and "nnlab data fetch mnist" in out and "Start here" in out
    assert "thin argument parsing" not in out  # not the developer docstring
