/* chainrule's explorer page: step through the forward and backward pass of one graph.
 *
 * What it is: the page's own small script, no framework and no network. It reads the graph from
 * the JSON in #chainrule-data (written by autograd/explore.py: each node's label, op, data, grad,
 * parents and local derivatives, and backward()'s steps in order), drives the SVG that
 * autograd.draw laid out with dot (elements tagged data-node / data-op / data-edge / data-out),
 * and exposes window.chainrule, the API the README documents and the tests use.
 *
 * The state is a few numbers and arrays (mode, steps done, grads so far, selection, quiz);
 * render() redraws everything from it, so undo() gives back exactly the previous page.
 */
(function () {
  "use strict";

  const D = JSON.parse(document.getElementById("chainrule-data").textContent);
  const num = (x) => (typeof x === "string" ? Number(x) : x); // "NaN", "Infinity", "-Infinity"
  const N = D.nodes.map((n, i) => ({
    i,
    id: "v" + i,
    label: n.label,
    name: n.name,
    op: n.op,
    data: num(n.data),
    grad: num(n.grad),
    parents: n.parents,
    locals: n.locals.map(num),
    children: [], // [child index, slot]: the edges leaving this node
  }));
  N.forEach((n) => n.parents.forEach((p, k) => N[p].children.push([n.i, k])));
  const ROOT = N.length - 1; // the topological order ends with the root
  const STEPS = D.steps; // [child, slot] in backward()'s order
  const PASSED = D.passed; // per step: nodes passed over before it (skipped or leaves)
  const P = D.precision;
  const TOL = D.tolerance;
  const MODES = ["forward", "backward", "paths", "quiz"];
  const SPEEDS = [0.5, 1, 2, 4, 8, 16, 32]; // steps per second
  // Button icons drawn inline (no icon font: the page fetches nothing, and not every font has ⏮ ⏭)
  const icon = (d) => '<svg class="cr-icon" viewBox="0 0 16 16" aria-hidden="true"><path d="' + d + '"/></svg>';
  const ICON = {
    start: icon("M3 3h2v10H3zM13 3v10L6 8z"),
    back: icon("M11 3v10L4 8z"),
    play: icon("M5 3v10l8-5z"),
    pause: icon("M4 3h3v10H4zM9 3h3v10H9z"),
    next: icon("M5 3v10l7-5z"),
    end: icon("M11 3h2v10h-2zM3 3v10l7-5z"),
  };
  for (const [k, name] of [["start", "cr-start"], ["back", "cr-back"], ["next", "cr-next"], ["end", "cr-end"]])
    document.getElementById(name).innerHTML = ICON[k];

  // ---------------------------------------------------------------- formatting

  /** Python's "%.{p}g" (what draw prints), with a true minus sign unless ascii. */
  function fmt(x, ascii) {
    let s;
    if (Number.isNaN(x)) s = "nan";
    else if (!Number.isFinite(x)) s = x > 0 ? "inf" : "-inf";
    else if (x === 0) s = Object.is(x, -0) ? "-0" : "0";
    else {
      const e = x.toExponential(P - 1);
      const exp = parseInt(e.slice(e.indexOf("e") + 1), 10);
      if (exp < -4 || exp >= P) {
        let m = e.slice(0, e.indexOf("e"));
        if (m.includes(".")) m = m.replace(/0+$/, "").replace(/\.$/, "");
        s = m + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
      } else {
        s = x.toFixed(Math.max(0, P - 1 - exp));
        if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
      }
    }
    return ascii ? s : s.replace(/-/g, "−");
  }
  /** A number in a sum or product: negative ones in parentheses after an operator. */
  const term = (x) => (x < 0 || Object.is(x, -0) ? "(" + fmt(x) + ")" : fmt(x));
  const full = (x) => String(x).replace(/-/g, "−"); // every digit of the float
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  /** A name inside ∂…/∂…: one that is itself a quotient (a grad graph's ∂f/∂x) goes in parentheses. */
  const wrap = (s) => (String(s).includes("/") ? "(" + s + ")" : String(s));
  const nm = (i) => '<span class="cr-name">' + esc(wrap(N[i].name)) + "</span>";
  const dRoot = (i) => "∂" + esc(wrap(D.rootName)) + "/∂" + nm(i);
  const dLocal = (c, p) => "∂" + nm(c) + "/∂" + nm(p);

  // ---------------------------------------------------------------- the SVG's elements

  const app = document.getElementById("cr-app");
  const graphBox = document.getElementById("cr-graph");
  const svg = graphBox.querySelector("svg");
  const line = document.getElementById("cr-line");
  const panel = document.getElementById("cr-panel");
  const tip = document.getElementById("cr-tip");
  const natural = { w: svg.viewBox.baseVal.width, h: svg.viewBox.baseVal.height };
  svg.removeAttribute("width");
  svg.removeAttribute("height");

  const E = N.map(() => ({ g: null, dataT: null, gradT: null, op: null, out: null, ins: [], labels: [] }));
  svg.querySelectorAll("[data-node]").forEach((g) => {
    const e = E[+g.dataset.node.slice(1)];
    const texts = g.querySelectorAll("text");
    e.g = g;
    e.dataT = texts[texts.length - 2]; // the cells: [label], data, grad
    e.gradT = texts[texts.length - 1];
    e.dataT.classList.add("cr-d");
    e.gradT.classList.add("cr-g");
  });
  svg.querySelectorAll("[data-op]").forEach((g) => (E[+g.dataset.op.slice(1)].op = g));
  svg.querySelectorAll("[data-out]").forEach((g) => (E[+g.dataset.out.slice(1)].out = g));
  svg.querySelectorAll("[data-edge]").forEach((g) => {
    const [c, k] = g.dataset.edge.slice(1).split(".").map(Number);
    E[c].ins[k] = g;
    const label = g.querySelector(":scope > text"); // the local derivative printed on the edge
    if (label) label.classList.add("cr-l");
    E[c].labels[k] = label;
  });
  // The room each data / grad cell has (its box, less the padding): a longer text is squeezed to fit.
  const room = new Map();
  const pen = document.createElement("canvas").getContext("2d");
  const widths = new Map();
  function textWidth(t) {
    const font = (t.getAttribute("font-weight") === "bold" ? "bold " : "") + parseFloat(t.getAttribute("font-size")) +
      "px " + (t.getAttribute("font-family") || "sans-serif");
    const key = font + "|" + t.textContent;
    if (!widths.has(key)) {
      pen.font = font;
      widths.set(key, pen.measureText(t.textContent).width);
    }
    return widths.get(key);
  }
  function measureRoom() {
    E.forEach((e) => {
      for (const t of [e.dataT, e.gradT]) {
        // read from the cell's polygon as dot wrote it (no layout needed: a hidden iframe has none yet)
        const box = t.previousElementSibling;
        if (box && box.tagName === "polygon") {
          const xs = box.getAttribute("points").trim().split(/\s+/).map((pt) => parseFloat(pt));
          const r = Math.max(...xs) - parseFloat(t.getAttribute("x")) - 3;
          if (r > 0) room.set(t, r);
        }
      }
    });
  }

  // ---------------------------------------------------------------- state

  const S = {
    mode: MODES.includes(D.mode) ? D.mode : "backward",
    fpos: 0, // forward: nodes computed (in topological order)
    pos: 0, // backward: steps done
    grads: N.map(() => null), // backward: the grad shown so far (null: not reached)
    passed: N.map(() => false), // backward: the walk has passed the node (its grad is final)
    history: [], // backward: per step, what to put back on undo()
    selected: D.select, // the clicked node
    hoverPath: null, // paths: the path under the mouse (its index)
    quizKind: "grads", // or "locals"
    revealed: new Set(), // quiz: node indices (grads) and "c.k" edge keys (locals) shown
    score: { right: 0, wrong: 0, revealed: 0 },
    feedback: "", // quiz: the last check's verdict (HTML)
    hint: false, // quiz: the hint for the selected node is shown
    typed: null, // quiz: [what was asked, the refused answer], kept in its box to be corrected
    zoom: null, // null: fit the width
    playing: null, // the interval, while playing
    speed: 2,
  };
  S.grads[ROOT] = 1;

  // ---------------------------------------------------------------- backward steps

  function edgeRecord(pos) {
    const [c, k] = STEPS[pos];
    return { child: c, slot: k, parent: N[c].parents[k], local: N[c].locals[k] };
  }

  /** backward()'s next multiply-add, on the page's grads; returns what it did, or null at the end. */
  function doStep() {
    if (S.pos >= STEPS.length) return null;
    const { child, slot, parent, local } = edgeRecord(S.pos);
    const upstream = S.grads[child];
    const shownBefore = S.grads[parent];
    const before = shownBefore === null ? 0 : shownBefore; // an unreached node's grad is 0
    const after = before + local * upstream; // parent.grad += local * node.grad
    S.grads[parent] = after;
    // (those passed after the last step come with it: they are looked at after its update)
    const passed = PASSED[S.pos].filter((i) => !S.passed[i]);
    const zeroed = passed.filter((i) => S.grads[i] === null);
    const newly = S.passed[child] ? [] : [child];
    S.history.push({ parent, shownBefore, passed, zeroed, newly });
    passed.concat(newly).forEach((i) => (S.passed[i] = true));
    zeroed.forEach((i) => (S.grads[i] = 0)); // passed over, never reached: its grad stays 0
    S.pos += 1;
    return {
      parent: "v" + parent,
      child: "v" + child,
      slot,
      local,
      upstream,
      before,
      after,
      skipped: passed.filter((i) => N[i].parents.length).map((i) => "v" + i),
    };
  }

  function undoStep() {
    if (S.pos === 0) return false;
    const h = S.history.pop();
    S.pos -= 1;
    S.grads[h.parent] = h.shownBefore;
    h.zeroed.forEach((i) => (S.grads[i] = null));
    h.passed.concat(h.newly).forEach((i) => (S.passed[i] = false));
    return true;
  }

  // ---------------------------------------------------------------- chain-rule paths

  /** Nodes that depend on node `i` (itself included): only through them can a path reach the root. */
  function reaching(i) {
    const r = new Uint8Array(N.length);
    r[i] = 1;
    for (let j = i + 1; j < N.length; j++) if (N[j].parents.some((p) => r[p])) r[j] = 1;
    return r;
  }

  /** (paths, factors) from node i to the root, by dynamic programming (count_paths); BigInt, exact. */
  function countPaths(i) {
    const n = N.map(() => 0n);
    const f = N.map(() => 0n);
    n[ROOT] = 1n;
    for (let j = ROOT; j >= 0; j--) {
      if (n[j] === 0n) continue;
      for (const p of N[j].parents) {
        n[p] += n[j];
        f[p] += f[j] + n[j];
      }
    }
    return { paths: n[i], factors: f[i] };
  }
  const plain = (b) => (b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString());

  /** Every path from node i to the root, as chain_paths lists them; null past `limit` paths. */
  function listPaths(i, limit) {
    const count = countPaths(i).paths;
    if (count > BigInt(limit)) return null;
    const r = reaching(i);
    const out = [];
    if (!r[ROOT]) return out;
    // Depth-first from the root down to node i, the product taken from the root end (chain_paths' order).
    const stack = [[ROOT, [], 1]];
    while (stack.length) {
      const [j, edges, product] = stack.pop();
      if (j === i) {
        out.push({ edges, product });
        continue;
      }
      for (let k = N[j].parents.length - 1; k >= 0; k--) {
        const p = N[j].parents[k];
        if (r[p]) stack.push([p, [[p, j, k, N[j].locals[k]]].concat(edges), product * N[j].locals[k]]);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- what each mode shows

  /** The grad the page shows for node i now (a number), or null. */
  function shownGrad(i) {
    switch (S.mode) {
      case "forward":
        return null;
      case "backward":
        return S.grads[i];
      case "paths":
        return N[i].grad;
      case "quiz":
        if (S.quizKind === "locals") return null;
        return i === ROOT || S.revealed.has(i) ? N[i].grad : null;
    }
    return null;
  }
  const dataShown = (i) => S.mode !== "forward" || i < S.fpos;
  const localShown = (c, k) => !(S.mode === "quiz" && S.quizKind === "locals" && !S.revealed.has(c + "." + k));
  const localComputed = (c) => S.mode !== "forward" || c < S.fpos; // stored on the node when it is computed

  function currentEdge() {
    return S.mode === "backward" && S.pos > 0 ? edgeRecord(S.pos - 1) : null;
  }

  function pathsOfSelection() {
    if (S.mode !== "paths" || S.selected === null) return null;
    return listPaths(S.selected, D.pathLimit);
  }

  // ---------------------------------------------------------------- render: the page from the state

  const squeezed = [];
  // What render() last wrote on each element is remembered on it, so that a step touches the DOM
  // only where something changed (a 200-node page then steps in well under a millisecond of DOM work).
  function setText(t, s) {
    if (t._crText !== s) {
      t._crText = s;
      t.textContent = s;
      squeezed.push(t);
    }
  }
  function setClass(el, cls, on) {
    if (!el) return;
    const st = el._crClass || (el._crClass = {});
    on = !!on;
    if (st[cls] !== on) {
      st[cls] = on;
      el.classList.toggle(cls, on);
    }
  }
  function setColour(el, colour) {
    setClass(el, "cr-path", colour);
    if (el._crColour === colour) return;
    el._crColour = colour;
    if (colour) el.style.setProperty("--c", colour);
    else el.style.removeProperty("--c");
  }
  const shortNumbers = new Map(); // x → its 4-digit text for the SVG (ascii minus, as dot printed it)
  function short(x) {
    let s = shortNumbers.get(x);
    if (s === undefined) shortNumbers.set(x, (s = fmt(x, true)));
    return s;
  }

  function render() {
    const cur = currentEdge();
    const paths = pathsOfSelection();
    app.dataset.mode = S.mode;
    document.querySelectorAll("#cr-modes button").forEach((b) => b.setAttribute("aria-selected", b.dataset.mode === S.mode));

    // the colour of each node and edge on the selected node's paths (first path wins, as in draw's legend)
    const nodeColour = new Map();
    const edgeColour = new Map();
    if (paths) {
      paths.forEach((path, k) => {
        if (S.hoverPath !== null && S.hoverPath !== k) return;
        const colour = D.palette[k % D.palette.length];
        if (!nodeColour.has(S.selected)) nodeColour.set(S.selected, colour);
        for (const [, c, slot] of path.edges) {
          if (!edgeColour.has(c + "." + slot)) edgeColour.set(c + "." + slot, colour);
          if (!edgeColour.has("out" + c)) edgeColour.set("out" + c, colour);
          if (!nodeColour.has(c)) nodeColour.set(c, colour);
        }
      });
    }

    const forwardCurrent = S.mode === "forward" && S.fpos > 0 ? S.fpos - 1 : null;
    N.forEach((n, i) => {
      const e = E[i];
      setText(e.dataT, dataShown(i) ? "data " + short(n.data) : "data ·");
      const g = shownGrad(i);
      const hiddenByQuiz = S.mode === "quiz" && S.quizKind === "grads" && g === null;
      setText(e.gradT, g === null ? (hiddenByQuiz ? "grad ?" : "grad ·") : "grad " + short(g));
      setClass(e.gradT, "cr-blank", g === null);
      setClass(e.dataT, "cr-blank", !dataShown(i));
      setClass(e.g, "cr-child", (cur && cur.child === i) || forwardCurrent === i);
      setClass(e.g, "cr-parent", cur && cur.parent === i);
      setClass(e.g, "cr-input", forwardCurrent !== null && N[forwardCurrent].parents.includes(i));
      setClass(e.g, "cr-skipped", S.mode === "backward" && S.passed[i] && n.parents.length && S.grads[i] === 0);
      setClass(e.g, "cr-selected", S.selected === i);
      setClass(e.g, "cr-revealed", S.mode === "quiz" && S.quizKind === "grads" && S.revealed.has(i));
      setColour(e.g, nodeColour.get(i));

      // edges: todo → done as the pass goes; the current one lit
      const done = (c, k) => {
        if (S.mode === "backward") return stepIndex[c][k] < S.pos;
        if (S.mode === "forward") return c < S.fpos;
        return true;
      };
      n.parents.forEach((p, k) => {
        const el = e.ins[k];
        if (!el) return;
        setClass(el, "cr-done", done(i, k));
        setClass(el, "cr-now", (cur && cur.child === i && cur.slot === k) || forwardCurrent === i);
        setColour(el, edgeColour.get(i + "." + k));
        const t = e.labels[k];
        if (t) {
          setText(t, !localComputed(i) ? "" : localShown(i, k) ? short(n.locals[k]) : "?");
          setClass(t, "cr-hidden-local", !localShown(i, k));
        }
      });
      if (e.out) {
        const started = S.mode === "backward" ? S.pos > 0 && stepIndex[i].some((s) => s < S.pos) : done(i, 0);
        setClass(e.out, "cr-done", n.parents.length && started);
        setClass(e.out, "cr-now", (cur && cur.child === i) || forwardCurrent === i);
        setColour(e.out, edgeColour.get("out" + i));
      }
      if (e.op) {
        setClass(e.op, "cr-now", (cur && cur.child === i) || forwardCurrent === i);
        setClass(e.op, "cr-blank", S.mode === "forward" && i >= S.fpos);
      }
    });
    // Squeeze the texts that outgrew their cell (measured on a canvas: no layout of the page per step).
    for (const t of squeezed.splice(0)) {
      const w = textWidth(t);
      const r = room.get(t);
      if (r && w > r) t.setAttribute("textLength", r.toFixed(1)), t.setAttribute("lengthAdjust", "spacingAndGlyphs");
      else t.removeAttribute("textLength"), t.removeAttribute("lengthAdjust");
    }

    renderControls();
    setHTML(line, lineHTML());
    setHTML(panel, panelHTML(paths));
    const input = panel.querySelector("input[data-focus]");
    if (input && document.activeElement !== input && !S.playing) input.focus({ preventScroll: true });
  }

  const stepIndex = N.map((n) => n.parents.map(() => Infinity)); // [child][slot] → its step number
  STEPS.forEach(([c, k], s) => (stepIndex[c][k] = s));

  const C = {};
  ["controls", "start", "back", "next", "end", "play", "speed", "speed-label", "count"].forEach(
    (k) => (C[k] = document.getElementById("cr-" + k))
  );
  function setHTML(el, html) {
    if (el._crHTML !== html) el.innerHTML = el._crHTML = html;
  }
  function renderControls() {
    const stepping = S.mode === "forward" || S.mode === "backward";
    const [at, total] = S.mode === "forward" ? [S.fpos, N.length] : [S.pos, STEPS.length];
    C.controls.hidden = !stepping;
    C.start.disabled = C.back.disabled = at === 0;
    C.next.disabled = C.end.disabled = at === total;
    setHTML(C.play, S.playing ? ICON.pause + " pause" : ICON.play + " play");
    C.speed.value = SPEEDS.indexOf(S.speed);
    C["speed-label"].lastChild.textContent = " " + S.speed + "/s";
    setHTML(C.count, (S.mode === "forward" ? "node " : "step ") + at + " of " + total);
  }

  // ---------------------------------------------------------------- the update line

  function opFormula(i, values) {
    const n = N[i];
    const args = n.parents.map((p) => (values ? term(N[p].data) : nm(p)));
    const infix = { "+": " + ", "-": " − ", "*": " × ", "/": " / " }[n.op];
    if (infix && args.length === 2) return args.join(infix);
    if (n.op === "Σ") return args.join(" + ");
    if (n.op === "Σwx" || n.op === "Σwx+b") {
      const m = (n.parents.length - (n.op === "Σwx+b" ? 1 : 0)) / 2; // parents: w₁…wₘ, x₁…xₘ, [b]
      const parts = [];
      if (n.op === "Σwx+b") parts.push(args[2 * m]);
      for (let k = 0; k < m; k++) parts.push(args[k] + "·" + args[m + k]);
      return parts.join(" + ");
    }
    if (n.op.startsWith("**") && args.length === 1) return args[0] + "<sup>" + esc(n.op.slice(2)) + "</sup>";
    if (n.op === "**") return args[0] + "<sup>" + args[1] + "</sup>";
    if (n.op === "neg") return "−" + args[0];
    const plainArgs = n.parents.map((p) => (values ? fmt(N[p].data) : nm(p))); // in f(…), no parentheses needed
    return esc(n.op) + "(" + plainArgs.join(", ") + ")";
  }

  function forwardLine() {
    if (S.fpos === 0)
      return (
        '<div class="cr-l1">Forward pass: each node is computed after its inputs, in topological order, and ' +
        "stores its local derivatives as it goes.</div>" +
        '<div class="cr-l2">Press → or ▶ play.</div>'
      );
    const i = S.fpos - 1;
    const n = N[i];
    if (!n.parents.length)
      return (
        '<div class="cr-l1">node ' + S.fpos + " of " + N.length + ": a leaf (an input or a parameter)</div>" +
        '<div class="cr-l2">' + nm(i) + " = " + fmt(n.data) + "</div>"
      );
    const locals = n.parents
      .slice(0, 6)
      .map((p, k) => dLocal(i, p) + " = " + fmt(n.locals[k]))
      .join(", ");
    const more = n.parents.length > 6 ? ", … (" + n.parents.length + " in all)" : "";
    return (
      '<div class="cr-l1">node ' + S.fpos + " of " + N.length + ": " + esc(n.op) + " of " + n.parents.length +
      " input" + (n.parents.length === 1 ? "" : "s") + "</div>" +
      '<div class="cr-l2">' + nm(i) + " = " + opFormula(i, false) + " = " + opFormula(i, true) + " = " + fmt(n.data) +
      "</div>" +
      '<div class="cr-l3">local derivatives stored on the node: ' + locals + more + "</div>"
    );
  }

  function skippedNote(list) {
    const skipped = list.filter((i) => N[i].parents.length);
    if (!skipped.length) return "";
    return (
      '<div class="cr-l3 cr-skip">skipped ' + skipped.map(nm).join(", ") +
      ": grad 0, nothing to pass on (backward() skips a node whose grad is 0)</div>"
    );
  }

  function backwardLine() {
    if (S.pos === 0)
      return (
        '<div class="cr-l1">Backward pass: ' + dRoot(ROOT) + " = 1. Each step passes a node's grad to one " +
        "of its inputs: input.grad += local derivative × node.grad, in backward()'s order.</div>" +
        '<div class="cr-l2">' + STEPS.length + " step" + (STEPS.length === 1 ? "" : "s") + ", one per edge: press → or ▶ play.</div>"
      );
    const { child, parent, local } = edgeRecord(S.pos - 1);
    const h = S.history[S.pos - 1];
    const upstream = S.grads[child];
    const after = S.grads[parent];
    const product = local * upstream;
    const before = h.shownBefore === null ? 0 : h.shownBefore;
    let out =
      '<div class="cr-l1">step ' + S.pos + " of " + STEPS.length + ": edge " + nm(parent) + " → " + nm(child) +
      "&ensp;<span class=\"cr-muted\">(" + dRoot(parent) + " += " + dLocal(child, parent) + " × " + dRoot(child) +
      ")</span></div>" +
      '<div class="cr-l2">' + dRoot(parent) + " += " + fmt(local) + " × " + fmt(upstream) + " = " + fmt(product) + "</div>";
    if (h.shownBefore !== null)
      out +=
        '<div class="cr-l3">' + dRoot(parent) + " = " + fmt(before) + " + " + term(product) + " = " + fmt(after) +
        "&ensp;<span class=\"cr-muted\">another path adds to the grad</span></div>";
    out += skippedNote(h.passed);
    if (S.pos === STEPS.length)
      out += '<div class="cr-l3 cr-done-note">Done: every grad is ' + esc("∂" + D.rootName) + "/∂node, as backward() leaves it.</div>";
    return out;
  }

  function lineHTML() {
    switch (S.mode) {
      case "forward":
        return forwardLine();
      case "backward":
        return backwardLine();
      case "paths":
        return (
          '<div class="cr-l1">Chain-rule paths: ' + dRoot(S.selected === null ? ROOT : S.selected) +
          " is the sum, over every path from the node to " + esc(D.rootName) +
          ", of the product of the local derivatives on its edges.</div>" +
          '<div class="cr-l2">' + (S.selected === null ? "Click a node." : pathsSummary()) + "</div>"
        );
      case "quiz":
        return (
          '<div class="cr-l1">Quiz: ' +
          (S.quizKind === "grads"
            ? "the grads are hidden. Click a node and type its grad " + esc("∂" + D.rootName) + "/∂node."
            : "the local derivatives are hidden. Click a node and type ∂node/∂input for its inputs.") +
          "</div>" +
          '<div class="cr-l2">' + scoreText() + "</div>"
        );
    }
    return "";
  }

  function pathsSummary() {
    const i = S.selected;
    const c = countPaths(i);
    return (
      plain(c.paths) + " path" + (c.paths === 1n ? "" : "s") + ", " + plain(c.factors) + " factor" +
      (c.factors === 1n ? "" : "s") + "; " + dRoot(i) + " = " + fmt(N[i].grad)
    );
  }

  const scoreText = () =>
    S.score.right + " right · " + S.score.wrong + " wrong · " + S.score.revealed + " revealed";

  // ---------------------------------------------------------------- the side panel

  function inspectHTML(i) {
    if (i === null) return '<p class="cr-muted">Hover over a node or click it for its numbers in full.</p>';
    const n = N[i];
    const g = shownGrad(i);
    let rows =
      "<tr><th>op</th><td>" + (n.op ? esc(n.op) : "leaf") + "</td></tr>" +
      "<tr><th>data</th><td>" + (dataShown(i) ? full(n.data) : "not computed yet") + "</td></tr>" +
      "<tr><th>grad</th><td>" +
      (g !== null ? full(g) : S.mode === "quiz" ? "hidden (quiz)" : S.mode === "forward" ? "—" : "not reached yet") +
      "</td></tr>";
    if (n.parents.length) {
      rows += '<tr><th colspan="2">local derivatives on the incoming edges</th></tr>';
      n.parents.forEach((p, k) => {
        rows +=
          '<tr><td class="cr-sym">' + dLocal(i, p) + "</td><td>" + (localShown(i, k) ? full(n.locals[k]) : "hidden (quiz)") +
          "</td></tr>";
      });
    }
    if (n.children.length) {
      rows += '<tr><th colspan="2">used by</th></tr>';
      n.children.forEach(([c, k]) => {
        rows +=
          '<tr><td class="cr-sym">' + dLocal(c, i) + "</td><td>" + (localShown(c, k) ? full(N[c].locals[k]) : "hidden (quiz)") +
          "</td></tr>";
      });
    }
    return '<h3>' + nm(i) + (n.label && n.label !== n.name ? ' <span class="cr-muted">' + esc(n.label) + "</span>" : "") +
      '</h3><table class="cr-inspect">' + rows + "</table>";
  }

  function logHTML() {
    if (S.pos === 0) return "";
    const from = Math.max(0, S.pos - 12);
    let rows = "";
    for (let s = S.pos - 1; s >= from; s--) {
      const { child, parent, local } = edgeRecord(s);
      const upstream = stepUpstream(s);
      rows +=
        "<li" + (s === S.pos - 1 ? ' class="cr-last"' : "") + ' value="' + (s + 1) + '">' + dRoot(parent) + " += " +
        fmt(local) + " × " + fmt(upstream) + "</li>";
    }
    return "<h3>Steps so far</h3><ol reversed class=\"cr-log\">" + rows + "</ol>" +
      (from > 0 ? '<p class="cr-muted">… ' + from + " earlier</p>" : "");
  }
  // The grad a step passed on: the child's grad is final when the walk reaches it.
  const stepUpstream = (s) => N[STEPS[s][0]].grad;

  function pathsHTML(paths) {
    if (S.selected === null) return "<h3>Paths</h3><p>Click any node to light its chain-rule paths to " + esc(D.rootName) + ".</p>";
    const i = S.selected;
    if (paths === null) {
      const c = countPaths(i);
      return (
        "<h3>Paths from " + nm(i) + "</h3><p>" + plain(c.paths) + " paths with " + plain(c.factors) +
        " factors in all: more than the " + D.pathLimit + " the page lists (count_paths counts them without " +
        "listing them). backward() gets " + dRoot(i) + " = " + fmt(N[i].grad) + " with one multiply-add per edge.</p>"
      );
    }
    if (!paths.length) return "<h3>Paths from " + nm(i) + "</h3><p>No path: " + esc(D.rootName) + " does not depend on it.</p>";
    let rows = "";
    let sum = 0;
    paths.forEach((path, k) => {
      const colour = D.palette[k % D.palette.length];
      const chain = [i].concat(path.edges.map((e) => e[1])).map(nm).join(" → ");
      const factors = path.edges.map((e) => term(e[3])).join(" · ") || "(no edges)";
      rows +=
        '<li data-path="' + k + '"' + (S.hoverPath === k ? ' class="cr-hover"' : "") + '><span class="cr-swatch" style="background:' +
        colour + '"></span><div>' + chain + '</div><div class="cr-factors">' + factors + " = " + fmt(path.product) + "</div></li>";
      sum += path.product;
    });
    const agrees = Math.abs(sum - N[i].grad) <= 1e-9 * paths.reduce((a, p) => a + Math.abs(p.product), 0);
    return (
      "<h3>Paths from " + nm(i) + " to " + esc(D.rootName) + "</h3><ol class=\"cr-paths\">" + rows + "</ol>" +
      '<p class="cr-sum">sum of the products = ' + fmt(sum) + (agrees ? " = " : " ≈ ") + dRoot(i) + " = " + fmt(N[i].grad) + "</p>" +
      '<p class="cr-muted">Hover over a path to light it alone.</p>'
    );
  }

  const typedValue = (key) => (S.typed && S.typed[0] === key ? 'value="' + esc(S.typed[1]) + '" ' : "");

  function nextQuizNode() {
    // backward's order: the first hidden node whose users all show their grads
    for (let i = ROOT; i >= 0; i--) {
      if (S.revealed.has(i) || i === ROOT) continue;
      if (N[i].children.every(([c]) => c === ROOT || S.revealed.has(c))) return i;
    }
    return null;
  }

  function quizHTML() {
    const kinds =
      '<div class="cr-kinds"><label><input type="radio" name="cr-kind" value="grads"' + (S.quizKind === "grads" ? " checked" : "") +
      "> hide the grads</label> <label><input type=\"radio\" name=\"cr-kind\" value=\"locals\"" +
      (S.quizKind === "locals" ? " checked" : "") + "> hide the local derivatives</label></div>";
    const rule =
      '<p class="cr-muted">Accepted within ' + TOL * 100 + " % (4 significant digits are enough); 0 only when the answer is 0.</p>";
    const i = S.selected;
    let body = "";
    if (S.quizKind === "grads") {
      if (i === null) {
        const next = nextQuizNode();
        body = "<p>Click a node" + (next !== null ? " (a good one to start with: " + nm(next) + ")" : "") + ".</p>";
      } else if (i === ROOT) {
        body = "<p>" + dRoot(ROOT) + " = 1: the root is given.</p>";
      } else if (S.revealed.has(i)) {
        body = "<p>" + dRoot(i) + " = " + fmt(N[i].grad) + " ✓</p>";
      } else {
        const hint = N[i].children
          .map(([c, k]) => fmt(N[c].locals[k]) + " × " + (c === ROOT || S.revealed.has(c) ? term(N[c].grad) : dRoot(c)))
          .join(" + ");
        body =
          '<form class="cr-ask" data-ask="' + i + '"><label>' + dRoot(i) + " = <input data-focus " + typedValue(String(i)) +
          'inputmode="decimal" autocomplete="off" size="12"></label> ' +
          '<button type="submit">check</button> <button type="button" data-reveal="' + i + '">reveal</button> ' +
          '<button type="button" data-hint>hint</button></form>' +
          (S.hint
            ? '<p class="cr-muted">' + dRoot(i) + " = Σ over the nodes that use " + nm(i) + " of ∂node/∂" + nm(i) + " × " +
              esc("∂" + D.rootName) + "/∂node = " + hint + "</p>"
            : "");
      }
    } else if (i === null || !N[i].parents.length) {
      body = "<p>Click a node that has inputs (an op's result): you give ∂node/∂input for each input.</p>";
    } else {
      body = N[i].parents
        .map((p, k) => {
          const key = i + "." + k;
          if (S.revealed.has(key)) return "<p>" + dLocal(i, p) + " = " + fmt(N[i].locals[k]) + " ✓</p>";
          return (
            '<form class="cr-ask" data-ask-edge="' + key + '"><label>' + dLocal(i, p) + " = <input " + typedValue(key) +
            (k === N[i].parents.findIndex((_, kk) => !S.revealed.has(i + "." + kk)) ? "data-focus " : "") +
            'inputmode="decimal" autocomplete="off" size="12"></label> <button type="submit">check</button> ' +
            '<button type="button" data-reveal-edge="' + key + '">reveal</button></form>'
          );
        })
        .join("");
      body = "<p>" + nm(i) + " = " + opFormula(i, false) + " = " + fmt(N[i].data) + "</p>" + body;
    }
    return "<h3>Quiz</h3>" + kinds + rule + body + (S.feedback ? '<p class="cr-feedback">' + S.feedback + "</p>" : "") +
      '<p class="cr-score">' + scoreText() + "</p>";
  }

  const swatch = (cls, text) => '<li><span class="cr-key ' + cls + '"></span>' + text + "</li>";
  function legendHTML() {
    if (S.mode === "backward")
      return (
        '<ul class="cr-legend">' + swatch("cr-key-child", "the node passing its grad on") +
        swatch("cr-key-parent", "the input it passes it to") + swatch("cr-key-now", "the edge of this step") +
        swatch("cr-key-done", "edges done") + swatch("cr-key-todo", "edges to do") + "</ul>"
      );
    return (
      '<ul class="cr-legend">' + swatch("cr-key-child", "the node just computed") + swatch("cr-key-input", "its inputs") +
      swatch("cr-key-now", "the edges into it, carrying its local derivatives") + "</ul>" +
      '<p class="cr-muted">The forward pass computes each node after its inputs. Each op also stores its local ' +
      "derivatives (the numbers on its edges): the backward pass only multiplies and adds them.</p>"
    );
  }

  function panelHTML(paths) {
    let main = "";
    if (S.mode === "paths") main = pathsHTML(paths);
    else if (S.mode === "quiz") main = quizHTML();
    else main = legendHTML() + (S.mode === "backward" ? logHTML() : "");
    return main + '<div class="cr-inspect-box">' + inspectHTML(S.selected) + "</div>";
  }

  // ---------------------------------------------------------------- the quiz

  function parseAnswer(value) {
    if (typeof value === "number") return value;
    const s = String(value).trim().replace(/−/g, "-").replace(/×10\^/g, "e").replace(/\s+/g, "");
    return s === "" ? NaN : Number(s);
  }
  const close = (x, truth) => (truth === 0 ? x === 0 : Math.abs(x - truth) <= TOL * Math.abs(truth));

  function check(x, truth, what, onRight) {
    if (Number.isNaN(x)) {
      S.feedback = "Type a number, e.g. −0.001838 or 1.838e-3.";
      return false;
    }
    if (close(x, truth)) {
      S.score.right += 1;
      onRight();
      S.feedback = "✓ right: " + what + " = " + fmt(truth) + (x !== truth ? " (you typed " + fmt(x) + ")" : "");
      return true;
    }
    S.score.wrong += 1;
    S.feedback = "✗ " + what + " is not " + fmt(x) + ": try again, or reveal it.";
    return false;
  }

  function answerNode(i, value) {
    const ok = check(parseAnswer(value), N[i].grad, dRoot(i), () => S.revealed.add(i));
    if (ok && S.mode === "quiz" && S.selected === i) S.selected = nextQuizNode();
    return ok;
  }

  function answerLocal(c, k, value) {
    return check(parseAnswer(value), N[c].locals[k], dLocal(c, N[c].parents[k]), () => S.revealed.add(c + "." + k));
  }

  // ---------------------------------------------------------------- actions

  function setMode(mode) {
    if (!MODES.includes(mode)) throw new Error("chainrule: mode must be one of " + MODES.join(", ") + ", got " + mode);
    pause();
    S.mode = mode;
    S.hoverPath = null;
    S.feedback = "";
  }

  function forwardStep() {
    if (S.fpos >= N.length) return null;
    S.fpos += 1;
    const n = N[S.fpos - 1];
    return { id: n.id, data: n.data };
  }

  /** One step in the current stepping mode (forward or backward); false at the end. */
  function advance() {
    if (S.mode === "forward") return forwardStep() !== null;
    if (S.mode !== "backward") setMode("backward");
    return doStep() !== null;
  }
  function retreat() {
    if (S.mode === "forward") return S.fpos > 0 ? ((S.fpos -= 1), true) : false;
    if (S.mode !== "backward") setMode("backward");
    return undoStep();
  }
  function toStart() {
    if (S.mode === "forward") S.fpos = 0;
    else while (undoStep());
  }
  function toEnd() {
    if (S.mode === "forward") S.fpos = N.length;
    else while (doStep() !== null);
  }

  function play() {
    if (S.playing || !(S.mode === "forward" || S.mode === "backward")) return;
    const atEnd = S.mode === "forward" ? S.fpos >= N.length : S.pos >= STEPS.length;
    if (atEnd) toStart();
    S.playing = setInterval(() => {
      if (!advance()) pause();
      render();
      follow();
    }, 1000 / S.speed);
  }
  function pause() {
    if (S.playing) clearInterval(S.playing);
    S.playing = null;
  }

  /** Scroll the graph so that the current node(s) are in view, at the next frame (one layout per frame,
   * however many steps were taken since). */
  let following = false;
  function follow() {
    if (following) return;
    following = true;
    requestAnimationFrame(() => {
      following = false;
      scrollToCurrent();
    });
  }
  function scrollToCurrent() {
    let els = [];
    const cur = currentEdge();
    if (cur) els = [E[cur.child].g, E[cur.parent].g];
    else if (S.mode === "backward") els = [E[ROOT].g]; // the pass starts at the root
    else if (S.mode === "forward") els = (S.fpos ? [S.fpos - 1, ...N[S.fpos - 1].parents] : [0]).map((i) => E[i].g);
    else if ((S.mode === "paths" || S.mode === "quiz") && S.selected !== null) els = [E[S.selected].g];
    if (!els.length) return;
    const box = graphBox.getBoundingClientRect();
    const rs = els.map((el) => el.getBoundingClientRect());
    const left = Math.min(...rs.map((r) => r.left)), right = Math.max(...rs.map((r) => r.right));
    const top = Math.min(...rs.map((r) => r.top)), bottom = Math.max(...rs.map((r) => r.bottom));
    const pad = 30;
    if (left < box.left + pad || right > box.right - pad)
      graphBox.scrollLeft += (left + right) / 2 - (box.left + box.right) / 2;
    if (top < box.top + pad || bottom > box.bottom - pad)
      graphBox.scrollTop += (top + bottom) / 2 - (box.top + box.bottom) / 2;
  }

  /** The graph's scale: S.zoom null = readable (text at least dot's size, larger for a small graph),
   * "fit" = the whole graph in view, or a number. */
  function applyZoom() {
    const fitW = (graphBox.clientWidth - 18) / natural.w;
    const fitH = (graphBox.clientHeight - 18) / natural.h;
    let z = S.zoom;
    if (z === null) z = Math.min(Math.max(fitW, 1), 1.35);
    else if (z === "fit") z = Math.min(fitW, fitH, 1.35);
    const w = (natural.w * z).toFixed(1);
    if (svg.getAttribute("width") === w) return; // unchanged: no new layout
    svg.setAttribute("width", w);
    svg.setAttribute("height", (natural.h * z).toFixed(1));
  }

  // ---------------------------------------------------------------- events

  const act = (f) => (ev) => {
    if (ev) ev.preventDefault();
    f();
    render();
    follow();
  };
  document.querySelectorAll("#cr-modes button").forEach((b) => b.addEventListener("click", act(() => setMode(b.dataset.mode))));
  document.getElementById("cr-next").addEventListener("click", act(() => (pause(), advance())));
  document.getElementById("cr-back").addEventListener("click", act(() => (pause(), retreat())));
  document.getElementById("cr-start").addEventListener("click", act(() => (pause(), toStart())));
  document.getElementById("cr-end").addEventListener("click", act(() => (pause(), toEnd())));
  document.getElementById("cr-play").addEventListener("click", act(() => (S.playing ? pause() : play())));
  document.getElementById("cr-speed").addEventListener("input", (ev) => {
    S.speed = SPEEDS[+ev.target.value];
    if (S.playing) (pause(), play());
    renderControls();
  });
  const zoom = (z) => act(() => ((S.zoom = typeof z === "function" ? z() : z), applyZoom()));
  document.getElementById("cr-zoom-in").addEventListener("click", zoom(() => Math.min(2, currentZoom() * 1.25)));
  document.getElementById("cr-zoom-out").addEventListener("click", zoom(() => Math.max(0.2, currentZoom() / 1.25)));
  document.getElementById("cr-zoom-fit").addEventListener("click", zoom("fit"));
  document.getElementById("cr-zoom-1").addEventListener("click", zoom(null));
  const currentZoom = () => svg.width.baseVal.value / natural.w;

  svg.addEventListener("click", (ev) => {
    const label = ev.target.closest("[data-edge]");
    const g = ev.target.closest("[data-node]") || (ev.target.closest("[data-op]") && ev.target.closest("[data-op]"));
    if (g) {
      const i = +(g.dataset.node || g.dataset.op).slice(1);
      S.selected = S.selected === i && S.mode !== "quiz" ? null : i;
    } else if (label && S.mode === "quiz" && S.quizKind === "locals") {
      S.selected = +label.dataset.edge.slice(1).split(".")[0];
    } else return;
    S.hoverPath = null;
    S.feedback = "";
    S.hint = false;
    render();
  });
  svg.addEventListener("mouseover", (ev) => {
    const g = ev.target.closest("[data-node]");
    if (!g) return;
    tip.innerHTML = inspectHTML(+g.dataset.node.slice(1));
    tip.hidden = false;
  });
  svg.addEventListener("mousemove", (ev) => {
    if (tip.hidden) return;
    const x = Math.min(ev.clientX + 16, window.innerWidth - tip.offsetWidth - 8);
    const y = ev.clientY + 18 + tip.offsetHeight > window.innerHeight ? ev.clientY - tip.offsetHeight - 12 : ev.clientY + 18;
    tip.style.left = Math.max(4, x) + "px";
    tip.style.top = Math.max(4, y) + "px";
  });
  svg.addEventListener("mouseout", (ev) => {
    const g = ev.target.closest("[data-node]");
    if (g && !g.contains(ev.relatedTarget)) tip.hidden = true;
  });
  panel.addEventListener("mouseover", (ev) => {
    const li = ev.target.closest("[data-path]");
    const k = li ? +li.dataset.path : null;
    if (k !== S.hoverPath) (S.hoverPath = k), render();
  });
  panel.addEventListener("mouseleave", () => {
    if (S.hoverPath !== null) (S.hoverPath = null), render();
  });
  panel.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const value = form.querySelector("input").value;
    const key = form.dataset.ask !== undefined ? form.dataset.ask : form.dataset.askEdge;
    let right;
    if (form.dataset.ask !== undefined) right = answerNode(+form.dataset.ask, value);
    else {
      const [c, k] = form.dataset.askEdge.split(".").map(Number);
      right = answerLocal(c, k, value);
    }
    S.typed = right ? null : [key, value];
    render();
  });
  panel.addEventListener("click", (ev) => {
    const t = ev.target;
    if (t.dataset.hint !== undefined) {
      S.hint = !S.hint;
      render();
    } else if (t.dataset.reveal !== undefined) {
      const i = +t.dataset.reveal;
      S.revealed.add(i);
      S.score.revealed += 1;
      S.feedback = dRoot(i) + " = " + fmt(N[i].grad) + " (revealed)";
      render();
    } else if (t.dataset.revealEdge !== undefined) {
      const [c, k] = t.dataset.revealEdge.split(".").map(Number);
      S.revealed.add(c + "." + k);
      S.score.revealed += 1;
      S.feedback = dLocal(c, N[c].parents[k]) + " = " + fmt(N[c].locals[k]) + " (revealed)";
      render();
    }
  });
  panel.addEventListener("change", (ev) => {
    if (ev.target.name === "cr-kind") {
      S.quizKind = ev.target.value;
      S.feedback = "";
      render();
    }
  });
  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (t.tagName === "TEXTAREA" || t.tagName === "SELECT") return;
    if (t.tagName === "INPUT" && !(t.type === "range" && ev.key === " ")) return; // typing, or moving the slider
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const keys = {
      ArrowRight: () => (pause(), advance()),
      ArrowLeft: () => (pause(), retreat()),
      " ": () => (S.playing ? pause() : play()),
      Home: () => (pause(), toStart()),
      End: () => (pause(), toEnd()),
    };
    if (!(S.mode === "forward" || S.mode === "backward") || !keys[ev.key]) return;
    act(keys[ev.key])(ev);
  });
  window.addEventListener("resize", () => S.zoom !== null && typeof S.zoom === "number" ? null : applyZoom());

  // ---------------------------------------------------------------- the API (README: "The page's JavaScript API")

  const id = (x) => {
    const i = typeof x === "number" ? x : /^v\d+$/.test(x) ? +x.slice(1) : NaN;
    if (!(i >= 0 && i < N.length)) throw new Error("chainrule: no node " + JSON.stringify(x) + " (ids are v0 … v" + ROOT + ")");
    return i;
  };
  const api = {
    /** Every node, in topological order (the root last), with the engine's grad after backward(). */
    nodes: () => N.map((n) => ({ id: n.id, label: n.label, name: n.name, op: n.op, data: n.data, grad: n.grad,
      parents: n.parents.map((p) => "v" + p), locals: n.locals.slice() })),
    /** backward()'s edges in order: [{child, parent, slot, local}]. */
    steps: () => STEPS.map(([c, k]) => ({ child: "v" + c, parent: "v" + N[c].parents[k], slot: k, local: N[c].locals[k] })),
    /** Back to the start of the backward pass: no grad shown but the root's, 1. */
    reset: () => (setMode("backward"), toStart(), render(), true),
    /** The next backward step ({parent, child, slot, local, upstream, before, after, skipped}), or null at the end. */
    step: () => {
      if (S.mode !== "backward") setMode("backward");
      const r = doStep();
      render();
      follow();
      return r;
    },
    /** Revert the last backward step; false when there is none. */
    undo: () => {
      if (S.mode !== "backward") setMode("backward");
      const r = undoStep();
      render();
      return r;
    },
    /** Jump to the end of the backward pass. */
    end: () => (setMode("backward"), toEnd(), render(), S.pos),
    /** Backward steps done, and in all. */
    position: () => ({ mode: S.mode, step: S.pos, steps: STEPS.length, forward: S.fpos, nodes: N.length }),
    /** The grad the page shows for node `id` now, or null before it is reached (or while hidden). */
    shown: (x) => shownGrad(id(x)),
    /** Every chain-rule path from `id` to the root: [{nodes, factors, product}]; null past `limit` paths. */
    paths: (x, limit) => {
      const ps = listPaths(id(x), limit === undefined ? D.pathLimit : limit);
      return ps && ps.map((p) => ({
        nodes: [id(x)].concat(p.edges.map((e) => e[1])).map((i) => "v" + i),
        factors: p.edges.map((e) => e[3]),
        product: p.product,
      }));
    },
    /** The number of paths from `id` to the root and of factors on them (numbers, or strings past 2^53). */
    countPaths: (x) => {
      const c = countPaths(id(x));
      return { paths: plain(c.paths), factors: plain(c.factors) };
    },
    /** Quiz: is `value` node `id`'s grad (within the tolerance)? Counts in the score; a right answer is revealed. */
    answer: (x, value) => {
      const r = answerNode(id(x), value);
      render();
      return r;
    },
    /** Quiz: is `value` the local derivative ∂child/∂(its parent number `slot`)? */
    answerLocal: (x, slot, value) => {
      const i = id(x);
      if (!(slot >= 0 && slot < N[i].parents.length)) throw new Error("chainrule: node " + x + " has no input " + slot);
      const r = answerLocal(i, slot, value);
      render();
      return r;
    },
    score: () => Object.assign({}, S.score),
    /** Get or set the mode: "forward", "backward", "paths" or "quiz" (quizKind: "grads" or "locals"). */
    mode: (m, quizKind) => {
      if (m !== undefined) {
        setMode(m);
        if (quizKind !== undefined) {
          if (quizKind !== "grads" && quizKind !== "locals") throw new Error("chainrule: quizKind must be grads or locals");
          S.quizKind = quizKind;
        }
        render();
      }
      return S.mode;
    },
    /** Select (as a click does) node `id`, or nothing with null. */
    select: (x) => {
      S.selected = x === null ? null : id(x);
      S.hoverPath = null;
      render();
      follow();
      return S.selected === null ? null : "v" + S.selected;
    },
    /** Forward pass: compute the next node ({id, data}), or null at the end. */
    forwardStep: () => {
      if (S.mode !== "forward") setMode("forward");
      const r = forwardStep();
      render();
      follow();
      return r;
    },
    /** The data the page shows for node `id` (null in the forward pass before it is computed). */
    shownData: (x) => (dataShown(id(x)) ? N[id(x)].data : null),
    play: () => (play(), render(), true),
    pause: () => (pause(), render(), true),
    /** Text of the update line, as a learner reads it. */
    line: () => line.innerText,
    ready: false,
  };
  window.chainrule = api;

  measureRoom();
  applyZoom();
  if (S.mode === "backward" && D.select !== null) S.selected = D.select;
  render();
  follow();
  api.ready = true;
  api.readyMs = performance.now(); // since the navigation started: the page is interactive
  document.documentElement.dataset.ready = "true";
})();
