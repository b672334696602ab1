"""`chainrule gpt`: training, sampling, saving, --check, --draw, --load, and bad options (exit code 2, one line)."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nn
from nn.cli import main
from nn.cli.gpt import EMPTY_SAMPLE

ROOT = Path(__file__).resolve().parent.parent


def test_training_from_the_shell_prints_losses_and_names_and_saves_the_model(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "nn.cli", "gpt", "--steps", "12", "--samples", "4", "--n-embd", "8", "--n-head", "2",
         "--out", str(tmp_path), "--no-progress", "--seed", "3"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "the 5,163 first names of the 1990 US census" in out and "not microgpt's 32,033 names" in out
    steps = re.findall(r"^step +(\d+) / 12   loss (\d\.\d{4})$", out, re.MULTILINE)
    assert [int(k) for k, _ in steps] == list(range(1, 13))  # 12 steps: a line each (every max(1, 12 // 20))
    assert abs(float(steps[0][1]) - math.log(27)) < 0.3  # an untrained model: about ln 27
    assert "trained in" in out and "ms per step" in out
    samples = [line.split(": ", 1)[1] for line in out.splitlines() if "  sample " in line]
    assert len(samples) == 4 and all(s == EMPTY_SAMPLE or re.fullmatch("[a-z]+", s) for s in samples)
    model = nn.load(tmp_path / "gpt.json")
    assert isinstance(model, nn.GPT) and model.n_embd == 8 and model.n_head == 2
    assert (tmp_path / "gpt-attention.png").read_bytes()[:4] == b"\x89PNG"
    # the same seed, loaded back: the same samples
    assert (
        main(["gpt", "--load", str(tmp_path / "gpt.json"), "--samples", "4", "--seed", "3", "--out", str(tmp_path)])
        == 0
    )


def test_an_empty_sample_says_what_it_is(tmp_path, capsys):
    # after 50 steps, the 4th of the 20 names the model samples at seed 0 is empty: it drew BOS first
    assert main(["gpt", "--steps", "50", "--out", str(tmp_path), "--no-progress"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  sample ")]
    assert nn.load(tmp_path / "gpt.json").generate(20, 0.5, 0)[3] == ""
    assert (
        len(lines) == 20
        and lines[3] == "  sample  4: (empty: the model ended the name at once, BOS as its first character)"
    )
    assert all(re.fullmatch(r"  sample +\d+: [a-z]+", line) for k, line in enumerate(lines) if k != 3)


def test_own_documents_and_help_states_the_default_steps_and_time(tmp_path, capsys):
    (tmp_path / "input.txt").write_text("abba\nbaba\n\nab\n", encoding="utf-8")
    assert main(["gpt", "--data", str(tmp_path / "input.txt"), "--steps", "3", "--samples", "2", "--n-embd", "4",
                 "--n-head", "1", "--block-size", "4", "--out", str(tmp_path), "--no-progress"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "3 documents from" in out and "vocab_size=3" in out  # a, b and BOS
    with pytest.raises(SystemExit):
        main(["gpt", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "The default 1,000 steps take about" in text and "ms per step" in text


def test_check_reports_the_three_way_agreement(capsys):
    assert main(["gpt", "--check", "--n-embd", "4", "--n-head", "2", "--block-size", "4", "--doc", "ann"]) == 0
    out = capsys.readouterr().out
    assert "document 'ann': 5 tokens" in out and "layer0.attn_wq" in out
    assert out.count("   ok") == 9 and out.strip().endswith("and with central differences")


def test_check_without_central_differences_does_not_claim_them(capsys):
    # the verdict said "…, and with central differences" under columns of —
    assert main(["gpt", "--check", "--no-numerical", "--n-embd", "4", "--n-head", "2", "--block-size", "4"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("chainrule gpt --check: ∂J/∂W three ways, on one document")
    rows = [line for line in lines if line.startswith(("wte", "wpe", "lm_head", "layer0."))]
    assert len(rows) == 9 and all(line.split()[-3:] == ["—", "—", "ok"] for line in rows)
    assert lines[-1] == (
        "verdict: ok — engine (fused), engine (elementary) and matrices agree entry by entry "
        "(central differences not computed)"
    )
    assert "central differences" not in lines[0] and "farthest" not in " ".join(lines)


def test_check_says_when_the_document_is_cut_to_block_size(capsys):
    # a --doc longer than block_size was cut silently
    argv = ["gpt", "--check", "--no-numerical", "--n-embd", "4", "--n-head", "2", "--block-size", "4"]
    assert main([*argv, "--doc", "abcdefg"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "(--doc is longer than block_size 4: its first 4 characters are checked)"
    assert any(line.startswith("document 'abcd': 5 tokens") for line in lines)
    assert main([*argv, "--doc", "abc"]) == 0  # it fits: nothing said
    assert "longer than block_size" not in capsys.readouterr().out


def test_check_exits_1_when_the_matrices_disagree(monkeypatch, capsys):
    from nn import gpt_matrix

    real = gpt_matrix.backprop

    def wrong(*args):
        J, G = real(*args)
        G["layer0.mlp_fc2"][1, 2] += 1e-6
        return J, G

    monkeypatch.setattr(gpt_matrix, "backprop", wrong)
    assert main(["gpt", "--check", "--n-embd", "4", "--n-head", "1", "--block-size", "3", "--no-numerical"]) == 1
    out = capsys.readouterr().out
    assert "layer0.mlp_fc2" in out and "WRONG" in out


def test_draw_writes_the_tiny_graph(tmp_path, capsys):
    assert main(["gpt", "--draw", "--format", "svg", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    svg = (tmp_path / "gpt-graph.svg").read_text(encoding="utf-8")
    assert "175 nodes" in out and "a row of blocks per position" in out and svg.rstrip().endswith("</svg>")
    for block in ("position 1 · embedding", "position 2 · attention head", "position 2 · MLP", "logits and loss"):
        assert block in svg
    assert "α" in svg


def page_data(path: Path) -> dict:
    """The numbers an explorer page carries (its embedded JSON)."""
    html = path.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="chainrule-data">(.*?)</script>', html, re.DOTALL)
    return json.loads(found[1])


def test_explore_writes_the_tiny_gpts_page_from_the_shell(tmp_path):
    from autograd import topological_order
    from nn.gpt_draw import TINY_DOCUMENT, tiny_gpt

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "nn.cli", "gpt", "--explore", "--out", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["gpt-explore.html"]  # written atomically: no temporary left
    data = page_data(tmp_path / "gpt-explore.html")
    # the engine's reference: the same tiny GPT's folded graph, one backward() from zero grads
    model = tiny_gpt()
    J = model.loss(model.tokens(TINY_DOCUMENT), mode="folded")
    J.backward()
    order = topological_order(J)
    nodes = data["nodes"]
    assert len(nodes) == len(order) == 175 <= 200 and f"{len(order)} nodes, {len(data['steps'])} backward steps" in out
    assert [n["label"] for n in nodes] == [v.label for v in order]
    assert [n["data"] for n in nodes] == [v.data for v in order]
    assert [n["grad"] for n in nodes] == [v.grad for v in order]  # backward()'s very floats
    # grouped by block, a row per position; what "gradient step" moves: the embeddings (the leaves), said so
    blocks = {c[6] for c in data["layouts"]["LR"]["clusters"]}
    assert blocks == {f"position {t} · {b}" for t in (1, 2) for b in ("embedding", "attention head", "MLP")} | {
        "logits and loss"
    }
    assert [nodes[i]["label"] for i in data["params"]] == [f"e_{t},{i}" for t in (1, 2) for i in (1, 2, 3, 4)]
    assert 'what "gradient step" moves' in out and "the embeddings e" in out
    # the link it prints opens where the walk first leaves an attention head's output o
    link = re.search(r"^  (file://\S+)#mode=backward&step=(\d+)$", out, re.MULTILINE)
    assert link and link[1] == (tmp_path / "gpt-explore.html").resolve().as_uri()
    k = int(link[2])
    first = [nodes[child]["label"] for child, _ in data["steps"]]
    assert first[k].startswith("o_") and not any(label.startswith("o_") for label in first[:k])
    # the page counts the steps done: the link opens at "step k of 565", and → takes step k + 1, out of o
    assert f"Step {k + 1} of 565 is the backward pass's first out of an attention head's output o" in out
    assert f'this link opens just before it, at "step {k} of 565": press → for step {k + 1}' in out


def test_explore_is_an_alternative_to_draw_check_and_training(capsys):
    for other in ("--draw", "--check"):
        with pytest.raises(SystemExit) as exc:
            main(["gpt", "--explore", other])
        err = capsys.readouterr().err
        assert exc.value.code == 2 and f"argument {other}: not allowed with argument --explore" in err


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--n-head", "3"], "n_head must divide n_embd"),
        (["--temperature", "0"], "--temperature must be a finite number > 0, got 0.0"),
        (["--lr", "nan"], "--lr must be a finite number > 0, got nan"),
        (["--steps", "2000000"], "--steps must be at most 1,000,000"),
        (["--seed", "-2"], "--seed must be an integer ≥ 0, got -2"),
        (["--doc", "Zoë", "--check"], "character 'Z'"),
    ],
)
def test_bad_options_exit_2_with_one_line(argv, words, capsys, tmp_path):
    out = [] if "--check" in argv else ["--out", str(tmp_path)]  # (--check writes nothing: --out is refused)
    assert main(["gpt", *out, "--no-progress", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule gpt: error:") and words in err and err.count("\n") == 1


def argparse_error(argv: list[str], capsys) -> str:
    """`chainrule gpt argv`'s last stderr line, after checking that argparse refused it (exit code 2)."""
    with pytest.raises(SystemExit) as exc:
        main(["gpt", *argv])
    assert exc.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_a_missing_file_or_a_folder_is_named_with_its_option(tmp_path, capsys):
    # they said "[Errno 2] No such file or directory: 'missing.txt'" and "[Errno 21] Is a directory"
    missing = tmp_path / "missing.txt"
    for option in ("--data", "--load"):
        assert (
            argparse_error([option, str(missing)], capsys)
            == f"chainrule gpt: error: argument {option}: {missing}: no such file"
        )
        assert argparse_error([option, str(tmp_path)], capsys) == (
            f"chainrule gpt: error: argument {option}: {tmp_path} is a folder, not a file: name a file"
        )
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_data_file_is_named_with_its_option(tmp_path, monkeypatch, capsys):
    # checked when parsed, unreadable when read (gone, or no permission): still one line naming --data
    from nn import names

    data = tmp_path / "names.txt"
    data.write_text("ann\n", encoding="utf-8")

    def refuse(path, *args):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(names, "read_documents", refuse)
    assert main(["gpt", "--data", str(data), "--check"]) == 2
    assert capsys.readouterr().err == f"chainrule gpt: error: argument --data: {data}: permission denied\n"


def test_an_output_folder_that_is_a_file_is_named_as_demo_names_it(tmp_path, capsys):
    # it said "[Errno 17] File exists" and "[Errno 20] Not a directory"; -o was refused
    MADE = "name a folder (it is made if missing)"
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    for flag in ("-o", "--out"):
        assert argparse_error([flag, str(file)], capsys) == (
            f"chainrule gpt: error: argument -o/--out: {file} is a file, not a folder: {MADE}"
        )
        assert argparse_error(["--draw", flag, str(file / "sub")], capsys).endswith(
            f"argument -o/--out: {file / 'sub'} is inside {file}, a file, not a folder: {MADE}"
        )
    assert file.read_text() == "mine"


def test_a_missing_output_folder_is_made_with_its_parents_as_demo_does(tmp_path, capsys):
    out = tmp_path / "a" / "b"
    assert main(["gpt", "--draw", "--format", "svg", "-o", str(out)]) == 0
    assert [p.name for p in out.iterdir()] == ["gpt-graph.svg"]


def test_a_too_big_gpt_is_refused_with_the_command_lines_advice(tmp_path, capsys):
    # it advised "pass max_parameters=12618752", a keyword argument the command has no option for
    assert main(["gpt", "--n-embd", "512", "--n-layer", "4", "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        "chainrule gpt: error: GPT(n_embd=512, ...) would have 12,618,752 parameters, more than the limit of "
        "1,000,000 (each is a Python object of ~150 bytes, visited on every forward and backward pass): "
        "pass a smaller --n-embd, --n-layer or --block-size\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--draw", "--load", "SAVED"], "argument --load: not with --draw (it draws a tiny GPT of its own: 4 tokens, "
         "n_embd 4, 1 head, 2 positions)"),
        (["--explore", "--load", "SAVED"], "argument --load: not with --explore (it shows a tiny GPT of its own: "
         "4 tokens, n_embd 4, 1 head, 2 positions)"),
        (["--format", "png"], "argument --format: only with --draw"),
        (["--edge-labels", "--check"], "argument --edge-labels: only with --draw"),
        (["--no-numerical", "--draw"], "argument --no-numerical: only with --check"),
        (["--check", "--steps", "3"], "argument --steps: not with --check (it checks an untrained GPT of the given "
         "sizes, or --load's, and trains, samples and writes nothing)"),
        (["--draw", "--n-embd", "8"], "argument --n-embd: not with --draw (it draws a tiny GPT of its own: 4 tokens, "
         "n_embd 4, 1 head, 2 positions)"),
        (["--load", "SAVED", "--n-head", "2"], "argument --n-head: not with --load (the loaded GPT has its own sizes)"),
        (["--load", "SAVED", "--lr", "0.1"], "argument --lr: with --load, only with --steps (--load alone samples, "
         "without training)"),
        (["--check"], "argument --out: not with --check (it checks an untrained GPT of the given sizes, or --load's, "
         "and trains, samples and writes nothing)"),
    ],
)  # fmt: skip
def test_an_option_without_effect_is_refused_naming_both(argv, message, tmp_path, capsys):
    # --draw --load drew the tiny GPT anyway; --format without --draw, --edge-labels with --check did nothing
    saved = tmp_path / "gpt.json"
    nn.save(nn.GPT.from_documents(["abba", "baba"], n_embd=4, n_head=1, block_size=4), saved)
    out = tmp_path / "out"
    argv = [str(saved) if a == "SAVED" else a for a in argv]
    assert main(["gpt", *argv, "-o", str(out), "--no-progress"]) == 2
    assert capsys.readouterr().err == f"chainrule gpt: error: {message}\n"
    assert not out.exists()


def test_options_that_take_effect_together_are_accepted(tmp_path, capsys):
    saved = tmp_path / "gpt.json"
    nn.save(nn.GPT.from_documents(["abba", "baba"], n_embd=4, n_head=1, block_size=4), saved)
    assert main(["gpt", "--draw", "--format", "svg", "--edge-labels", "-o", str(tmp_path / "d")]) == 0
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["gpt-graph.svg"]
    data = tmp_path / "docs.txt"
    data.write_text("abba\nbaba\n", encoding="utf-8")
    argv = ["--load", str(saved), "--data", str(data), "--steps", "2", "--lr", "0.1", "--samples", "1"]
    assert main(["gpt", *argv, "-o", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "at lr 0.1 decaying" in out and "\n1 sample at temperature 0.5" in out  # not "1 samples"


def test_load_refuses_an_mlp(tmp_path, capsys):
    nn.save(nn.MLP(2, [1]), tmp_path / "m.json")
    assert main(["gpt", "--load", str(tmp_path / "m.json"), "--out", str(tmp_path)]) == 2
    assert "holds an MLP, not a GPT" in capsys.readouterr().err
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["model"] == "mlp"


def test_chainrule_check_model_gpt_runs_the_gpt_check(monkeypatch, capsys):
    from nn.cli import gpt as gpt_cli

    seen = []
    monkeypatch.setattr(gpt_cli, "_check", lambda args: seen.append(args) or 0)
    assert main(["check", "--model", "gpt", "--seed", "2"]) == 0
    (args,) = seen
    assert args.check and args.seed == 2 and (args.n_embd, args.n_head, args.n_layer, args.block_size) == (16, 4, 1, 16)
    assert main(["check", "--model", "gpt", "--course"]) == 2
    assert "--course applies to --model mlp" in capsys.readouterr().err
