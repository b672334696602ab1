/* chainrule's explorer page: step through the forward and backward pass of one graph, and change it.
 *
 * What it is: the page's own script, no framework and no network. It reads the graph from the JSON
 * in #chainrule-data (written by autograd/explore.py: each node's label, name, op, data, local
 * derivatives and parents, backward()'s steps, and two layouts that graphviz's dot made of draw's
 * boxes), draws the graph as SVG, and exposes window.chainrule, the API the README documents and
 * the tests use. CHAINRULE_MIRROR (mirror.js, loaded before this file) recomputes ops for the what-if.
 *
 * The sections, in order: the graph's numbers and the backward walk · numbers and names · the SVG
 * · the view (pan, zoom, fit, follow) · the state and the backward steps · paths · what if ·
 * render · the update line · the panel · the quiz · animation · actions · the link (URL fragment)
 * · events · the API.
 *
 * The state is a few numbers and arrays (mode, steps done, grads so far, selection, quiz, edits);
 * render() redraws the page from it, so undo() gives back exactly the previous page.
 */
(function () {
  "use strict";

  const D = JSON.parse(document.getElementById("chainrule-data").textContent);
  const MIRROR = CHAINRULE_MIRROR;
  MIRROR.configure({ compensatedSum: D.compensatedSum });
  // NaN and ±inf travel in JSON as strings
  const num = (x) => (x === "NaN" ? NaN : x === "Infinity" ? Infinity : x === "-Infinity" ? -Infinity : x);
  const deep = (x) =>
    Array.isArray(x) ? x.map(deep)
      : x && typeof x === "object" ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, deep(v)])) : num(x);

  // ---------------------------------------------------------------- the graph's numbers and the backward walk

  const N = D.nodes.map((n, i) => ({
    i,
    id: "v" + i,
    label: n.label,
    name: n.name,
    op: n.op,
    kind: n.kind, // "" for a leaf; null for an op of the user's own
    params: n.params ? deep(n.params) : {},
    parents: n.parents,
    children: [], // [child index, slot]: the edges leaving this node
    data0: num(n.data), // as built
    locals0: n.locals.map(num),
  }));
  N.forEach((n) => n.parents.forEach((p, k) => N[p].children.push([n.i, k])));
  const ROOT = N.length - 1; // the topological order ends with the root
  const QUIZ_PAGE = !!D.quiz; // a quiz page carries no grad: the walk below computes them
  const P = D.precision;
  const TOL = D.tolerance;
  const MODES = ["forward", "backward", "paths", "quiz"];
  const SPEEDS = [0.5, 1, 2, 4, 8, 16, 32]; // steps per second

  /** backward()'s walk (steps.backward_walk) over the local derivatives: the same float operations in the
   * same order, so the same grads. Returns the grads, the steps [child, slot] and, per step, the nodes
   * passed over before it (leaves, and nodes whose grad is 0: nothing to pass on). */
  function walk(locals) {
    const grads = N.map(() => 0);
    grads[ROOT] = 1;
    const steps = [];
    const passed = [];
    let waiting = [];
    for (let i = ROOT; i >= 0; i--) {
      const g = grads[i];
      const ps = N[i].parents;
      if (g === 0 || !ps.length) {
        waiting.push(i);
        continue;
      }
      for (let k = 0; k < ps.length; k++) {
        const local = locals[i][k];
        if (local !== 0) grads[ps[k]] = grads[ps[k]] + local * g; // 0 · x = 0, also for x = inf or NaN
        steps.push([i, k]);
        passed.push(waiting);
        waiting = [];
      }
    }
    if (passed.length) passed[passed.length - 1].push(...waiting);
    return { grads, steps, passed };
  }

  // G: the graph's numbers now — as built, or as the what-if changed them
  const BUILT = { data: N.map((n) => n.data0), locals: N.map((n) => n.locals0) };
  const G = Object.assign({ data: BUILT.data.slice(), locals: BUILT.locals.slice() }, walk(BUILT.locals));
  Object.assign(BUILT, { grads: G.grads, steps: G.steps, passed: G.passed });
  if (!QUIZ_PAGE) {
    // the engine's walk, recorded in Python, must be this one: the same floats, the same steps
    const bad = D.nodes.findIndex((n, i) => !Object.is(num(n.grad), G.grads[i]));
    if (bad >= 0 || JSON.stringify(D.steps) !== JSON.stringify(G.steps) || JSON.stringify(D.passed) !== JSON.stringify(G.passed))
      console.error("chainrule: the page's backward walk differs from the engine's" + (bad >= 0 ? " at v" + bad : ""));
  }

  // Which leaves the what-if may change: not those an op of the user's own depends on (the page cannot recompute it).
  const unknownBelow = N.map(() => null); // the first op without a mirror that depends on the node (itself included)
  for (let i = ROOT; i >= 0; i--) {
    const n = N[i];
    if (n.parents.length && !(n.kind && MIRROR.has(n.kind))) unknownBelow[i] = i;
    else for (const [c] of n.children) if (unknownBelow[c] !== null) (unknownBelow[i] = unknownBelow[c]);
  }
  const PARAMS = D.params || [];

  // ---------------------------------------------------------------- numbers and names

  const formatted = new Map(); // x → its text: computed once per number
  /** x to the page's precision, as Python's "{x:.4g}" with a true minus sign: −1.2e−05 (draw writes the same). */
  function fmt(x) {
    let s = formatted.get(x);
    if (s === undefined) formatted.set(x, (s = MIRROR.formatG(x, P).replace(/-/g, "−")));
    return s;
  }
  /** "old → new" with as many digits as it takes to see them differ (0.07514 → 0.07514 says nothing). */
  function apart(a, b) {
    let p = P;
    while (p < 17 && MIRROR.formatG(a, p) === MIRROR.formatG(b, p)) p++;
    const f = (x) => (p === P ? fmt(x) : MIRROR.formatG(x, p).replace(/-/g, "−"));
    return f(a) + " → " + f(b);
  }
  /** The numbers in a message (the engine's words, -0.5) with a true minus sign. */
  const minus = (s) => s.replace(/-(?=[0-9.]|inf)/g, "−");
  /** Every digit of x (Python's repr), with a true minus sign. */
  const full = (x) => MIRROR.repr(x).replace(/-/g, "−");
  /** A number in a sum or product: negative ones in parentheses after an operator. */
  const term = (x) => (x < 0 || Object.is(x, -0) ? "(" + fmt(x) + ")" : fmt(x));
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  const cut = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
  /** A name inside ∂…/∂…: one that is itself a quotient (a grad graph's ∂f/∂x) goes in parentheses. */
  const wrap = (s) => (String(s).includes("/") ? "(" + s + ")" : String(s));
  const nm = (i) => {
    const name = N[i].name;
    const shown = cut(name, 32);
    return '<span class="cr-name"' + (shown !== name ? ' title="' + esc(name) + '"' : "") + ">" + esc(wrap(shown)) + "</span>";
  };
  const ROOT_NAME = cut(D.rootName, 32);
  const dRoot = (i) => "∂" + esc(wrap(ROOT_NAME)) + "/∂" + nm(i);
  const dLocal = (c, p) => "∂" + nm(c) + "/∂" + nm(p);
  // A math name (draw.pretty_label's grammar): one letter (an accent and a prime may follow), _ and indices, ^(layer)
  const MATH_NAME = /^(\p{L}\p{M}*['′]?)(?:_([0-9]+(?:,[0-9]+)*))?(?:\^\(([0-9]+(?:[.,][0-9]+)*)\))?$/u;
  /** A node's name in its box: a math name with its indices lowered and its layer raised (at a readable size,
   * where Unicode's ₁ and ⁽¹⁾ would be tiny), any other name as it is, cut at 24 characters. */
  function writeName(t, n) {
    const m = n.label && !n.name.includes("#") ? MATH_NAME.exec(n.label) : null;
    if (!m || (m[2] === undefined && m[3] === undefined)) {
      t.textContent = cut(n.name, 24);
      return;
    }
    make("tspan", {}, t).textContent = m[1].replace("'", "′");
    let shift = 0;
    if (m[2] !== undefined) {
      const parts = m[2].split(",");
      make("tspan", { class: "cr-index", dy: 2.5 }, t).textContent = parts.every((q) => q.length === 1) ? parts.join("") : m[2];
      shift = 2.5;
    }
    if (m[3] !== undefined) make("tspan", { class: "cr-index", dy: -shift - 3.5 }, t).textContent = "(" + m[3] + ")";
  }

  // ---------------------------------------------------------------- the SVG: a box per node, an edge per parent

  const NS = "http://www.w3.org/2000/svg";
  function make(tag, attrs, parent) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  const app = document.getElementById("cr-app");
  const graphBox = document.getElementById("cr-graph");
  const line = document.getElementById("cr-line");
  const panel = document.getElementById("cr-panel");
  const tip = document.getElementById("cr-tip");
  const svg = make("svg", { id: "cr-svg", "aria-label": "the computation graph: Tab to a node, Enter to select it" }, graphBox);
  const viewG = make("g", { id: "cr-view" }, svg);
  const clustersG = make("g", { class: "cr-clusters" }, viewG);
  const edgesG = make("g", { class: "cr-edges" }, viewG);
  const nodesG = make("g", { class: "cr-nodes" }, viewG);
  const overG = make("g", { class: "cr-over" }, viewG); // the local derivatives shown on edges, the travelling grad

  const LAYOUTS = D.layouts;
  const T = 10; // the layouts are in tenths of a point
  const E = N.map((n, i) => {
    const [w, h] = LAYOUTS.LR.sizes[i].map((v) => v / T);
    const [b1, b2] = LAYOUTS.LR.baselines.map((v) => v / T);
    const g = make("g", { class: "cr-value", "data-node": n.id, tabindex: "0", role: "button" }, nodesG);
    const box = make("rect", { class: "cr-box", x: -w / 2, y: -h / 2, width: w, height: h, rx: 4 }, g);
    const made = !n.label; // a name made up for an unlabelled node
    const nameT = make("text", { class: "cr-n" + (made ? " cr-made" : ""), x: -w / 2 + 3, y: b1 }, g);
    writeName(nameT, n);
    const opT = make("text", { class: "cr-o", x: w / 2 - 3, y: b1, "text-anchor": "end" }, g);
    opT.textContent = cut(n.op, 16);
    const dataT = make("text", { class: "cr-d", x: -w / 2 + 3, y: b2 }, g);
    const gradT = make("text", { class: "cr-g", x: w / 2 - 3, y: b2, "text-anchor": "end" }, g);
    return { g, box, nameT, opT, dataT, gradT, w, h, ins: [], out: [] };
  });
  N.forEach((n, i) =>
    n.parents.forEach((p, k) => {
      const g = make("g", { class: "cr-edge", "data-edge": n.id + "." + k, "data-parent": "v" + p }, edgesG);
      const hit = make("path", { class: "cr-hit" }, g); // a wider, invisible stroke to hover
      const path = make("path", { class: "cr-line" }, g);
      const arrow = make("polygon", { class: "cr-arrow" }, g);
      E[i].ins[k] = { g, hit, path, arrow };
    })
  );

  // The room of each line of a box: when a text outgrows it (a long number after a what-if), it is squeezed.
  const pen = document.createElement("canvas").getContext("2d");
  const FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif";
  const widths = new Map();
  function textWidth(s, bold) {
    const key = (bold ? "b" : "") + s;
    let w = widths.get(key);
    if (w === undefined) {
      pen.font = (bold ? "bold " : "") + "11px " + FONT;
      widths.set(key, (w = pen.measureText(s).width));
    }
    return w;
  }
  function fitLine(left, right, room, boldLeft) {
    const a = textWidth(left.textContent, boldLeft);
    const b = textWidth(right.textContent, false);
    const gap = right.textContent ? 6 : 0;
    for (const [t, w] of [[left, a], [right, b]]) {
      if (a + b + gap > room && w > 0) {
        t.setAttribute("textLength", ((w * (room - gap)) / (a + b)).toFixed(1));
        t.setAttribute("lengthAdjust", "spacingAndGlyphs");
      } else if (t.hasAttribute("textLength")) t.removeAttribute("textLength");
    }
  }
  E.forEach((e, i) => fitLine(e.nameT, e.opT, e.w - 6, !!N[i].label));

  /** A path of cubic Bézier points (tenths of a point): "M x0 y0 C x1 y1 x2 y2 x3 y3 …". */
  function pathOf(pts) {
    let d = "M" + pts[2] / T + " " + pts[3] / T + "C";
    for (let k = 4; k < pts.length; k += 2) d += (k > 4 ? " " : "") + pts[k] / T + " " + pts[k + 1] / T;
    return d;
  }
  /** The arrowhead at the end of an edge: from the last point to the tip. */
  function arrowOf(pts) {
    const [tx, ty] = [pts[0] / T, pts[1] / T];
    const [px, py] = [pts[pts.length - 2] / T, pts[pts.length - 1] / T];
    const len = Math.hypot(tx - px, ty - py) || 1;
    const [dx, dy] = [(tx - px) / len, (ty - py) / len];
    const w = Math.max(len, 4) * 0.38;
    return [tx, ty, px - dy * w, py + dx * w, px + dy * w, py - dx * w].map((v) => v.toFixed(2)).join(" ");
  }
  /** The middle of an edge (where its local derivative is written). */
  function middleOf(pts) {
    const segs = (pts.length - 4) / 6; // cubic segments after the first point
    const s = Math.floor(segs / 2);
    const t = segs % 2 ? 0.5 : 0;
    const at = (k) => [pts[2 + 6 * s + 2 * k] / T, pts[3 + 6 * s + 2 * k] / T];
    const [p0, p1, p2, p3] = [at(0), at(1), at(2), at(3)];
    const u = 1 - t;
    return [0, 1].map((c) => u * u * u * p0[c] + 3 * u * u * t * p1[c] + 3 * u * t * t * p2[c] + t * t * t * p3[c]);
  }

  function placeLayout(name) {
    const L = LAYOUTS[name];
    N.forEach((n, i) => {
      const [x, y] = L.nodes[i];
      E[i].x = x / T;
      E[i].y = y / T;
      E[i].g.setAttribute("transform", "translate(" + x / T + " " + y / T + ")");
      n.parents.forEach((p, k) => {
        const pts = L.edges[i][k];
        const e = E[i].ins[k];
        e.pts = pts;
        const d = pathOf(pts);
        e.path.setAttribute("d", d);
        e.hit.setAttribute("d", d);
        e.arrow.setAttribute("points", arrowOf(pts));
      });
    });
    clustersG.textContent = "";
    for (const [x0, y0, x1, y1, lx, ly, title] of L.clusters) {
      make("rect", { class: "cr-cluster", x: x0 / T, y: y0 / T, width: (x1 - x0) / T, height: (y1 - y0) / T, rx: 6 }, clustersG);
      const t = make("text", { class: "cr-cluster-title", x: lx / T, y: ly / T + 4, "text-anchor": "middle" }, clustersG);
      t.textContent = title;
    }
    graph.w = L.w / T;
    graph.h = L.h / T;
    graph.layout = name;
    labelsKey = null; // the edge labels move with their edges
  }
  const graph = { w: 0, h: 0, layout: null };

  // ---------------------------------------------------------------- the view: pan, zoom, fit, follow

  const MIN_SCALE = 0.05;
  const MAX_SCALE = 4;
  const MAX_FIT = 1.6; // a small graph is not blown up past this
  const MARGIN = 12; // px kept free around what must be seen
  const TEXT = 11; // the boxes' font size, in graph units
  const motion = window.matchMedia ? !window.matchMedia("(prefers-reduced-motion: reduce)").matches : true;
  const view = { s: 1, x: 0, y: 0 }; // screen px = s · graph + (x, y): where the view is going
  const shownView = { s: 1, x: 0, y: 0 }; // where it is drawn now (moving towards `view`)
  let viewFrame = null;
  // the pane's size, read when it changes (reading it after each step would force a layout of the page)
  let paneSize = null;
  const pane = () => paneSize || (paneSize = { w: graphBox.clientWidth || 1, h: graphBox.clientHeight || 1 });

  function drawView() {
    viewG.setAttribute("transform", "translate(" + shownView.x.toFixed(2) + " " + shownView.y.toFixed(2) + ") scale(" + shownView.s.toFixed(5) + ")");
  }
  /** Move the view to (s, x, y): at once, or in a short glide when motion is welcome. */
  function setView(s, x, y, glide) {
    Object.assign(view, { s: Math.min(MAX_SCALE, Math.max(MIN_SCALE, s)), x, y });
    if (!glide || !motion || !S.animate) {
      Object.assign(shownView, view);
      if (viewFrame) cancelAnimationFrame(viewFrame), (viewFrame = null);
      drawView();
      return;
    }
    const from = Object.assign({}, shownView);
    const start = performance.now();
    const stepFrame = (now) => {
      const t = Math.min(1, (now - start) / 220);
      const e = t * (2 - t);
      for (const k of ["s", "x", "y"]) shownView[k] = from[k] + (view[k] - from[k]) * e;
      drawView();
      viewFrame = t < 1 ? requestAnimationFrame(stepFrame) : null;
    };
    if (viewFrame) cancelAnimationFrame(viewFrame);
    viewFrame = requestAnimationFrame(stepFrame);
  }
  const fitScale = (w, h) => {
    const p = pane();
    return Math.min((p.w - 2 * MARGIN) / w, (p.h - 2 * MARGIN) / h);
  };
  /** The view that shows the box (x0, y0)–(x1, y1) of the graph whole, centred, at most at scale `most`. */
  function viewOf(x0, y0, x1, y1, most) {
    const p = pane();
    const s = Math.max(MIN_SCALE, Math.min(most, fitScale(x1 - x0, y1 - y0)));
    return [s, p.w / 2 - s * (x0 + x1) / 2, p.h / 2 - s * (y0 + y1) / 2];
  }
  function fit(glide) {
    S.fitted = true;
    setView(...viewOf(0, 0, graph.w, graph.h, MAX_FIT), glide);
  }
  function zoomBy(factor, cx, cy) {
    const p = pane();
    if (cx === undefined) (cx = p.w / 2), (cy = p.h / 2);
    const s = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.s * factor));
    const gx = (cx - view.x) / view.s;
    const gy = (cy - view.y) / view.s;
    S.fitted = false;
    setView(s, cx - s * gx, cy - s * gy, false);
  }
  const boxOf = (i) => [E[i].x - E[i].w / 2, E[i].y - E[i].h / 2, E[i].x + E[i].w / 2, E[i].y + E[i].h / 2];
  /** Whether the graph box (x0, y0)–(x1, y1) is inside the pane, `margin` px in from its edges. */
  function inView(b, margin) {
    const p = pane();
    const [sx0, sy0] = [view.s * b[0] + view.x, view.s * b[1] + view.y];
    const [sx1, sy1] = [view.s * b[2] + view.x, view.s * b[3] + view.y];
    return sx0 >= margin && sy0 >= margin && sx1 <= p.w - margin && sy1 <= p.h - margin;
  }
  /** Bring nodes into view: pan if they fit at this scale, else zoom out until they do. */
  function keepInView(ids, glide) {
    if (!ids.length) return;
    const bs = ids.map(boxOf);
    const b = [Math.min(...bs.map((q) => q[0])), Math.min(...bs.map((q) => q[1])), Math.max(...bs.map((q) => q[2])), Math.max(...bs.map((q) => q[3]))];
    if (inView(b, MARGIN)) return;
    S.fitted = false;
    const p = pane();
    if ((b[2] - b[0]) * view.s <= p.w - 2 * MARGIN && (b[3] - b[1]) * view.s <= p.h - 2 * MARGIN) {
      // pan as little as it takes, then a little more towards the middle
      const [cx, cy] = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
      let x = view.x;
      let y = view.y;
      if (view.s * b[0] + x < MARGIN || view.s * b[2] + x > p.w - MARGIN) x = p.w / 2 - view.s * cx;
      if (view.s * b[1] + y < MARGIN || view.s * b[3] + y > p.h - MARGIN) y = p.h / 2 - view.s * cy;
      setView(view.s, x, y, glide);
    } else setView(...viewOf(...b, view.s), glide);
  }
  /** The first view: the layout that fits the pane best (unless one was asked for), whole when its text is
   * readable that way (≥ 6 px), else at a readable size around the root, where the backward pass starts. */
  function firstView(layout) {
    const fits = Object.fromEntries(Object.entries(LAYOUTS).map(([k, L]) => [k, fitScale(L.w / T, L.h / T)]));
    const name = layout || D.rankdir || (fits.TB > fits.LR * 1.02 ? "TB" : "LR");
    placeLayout(name);
    if (Math.min(fits[name], MAX_FIT) * TEXT >= 6) fit(false);
    else {
      S.fitted = false;
      const [x0, y0, x1, y1] = boxOf(ROOT);
      setView(...viewOf(x0 - 200, y0 - 200, x1 + 200, y1 + 200, 10 / TEXT), false);
    }
  }

  // ---------------------------------------------------------------- the state

  const S = {
    mode: MODES.includes(D.mode) ? D.mode : "backward",
    fpos: 0, // forward: nodes computed (in topological order)
    pos: 0, // backward: steps done
    grads: N.map(() => null), // backward: the grad shown so far (null: not reached)
    passed: N.map(() => false), // backward: the walk has passed the node (its grad is final)
    history: [], // backward: per step, what to put back on undo()
    selected: D.select, // the clicked node
    hover: null, // the node under the mouse (its edges show their local derivatives)
    hoverEdge: null, // [child, slot] under the mouse
    hoverPath: null, // paths: the path under the mouse (its index)
    quizKind: "grads", // or "locals"
    revealed: new Set(), // quiz: node indices (grads) and "c.k" edge keys (locals) shown
    score: { right: 0, wrong: 0, revealed: 0 },
    feedback: "", // quiz: the last check's verdict (HTML)
    hint: false, // quiz: the hint for the selected node is shown
    typed: null, // quiz: [what was asked, the refused answer], kept in its box to be corrected
    playing: null, // the interval, while playing
    speed: 2,
    animate: motion, // the backward steps travel along their edges (off under prefers-reduced-motion)
    fitted: true, // the view is "fit": it refits when the window changes
    // what if
    lr: 0.1,
    actions: [], // the edits so far, replayable: ["set", i, x] and ["step", lr]
    changes: null, // the last edit's {what, rows: [[i, data before, after, grad before, after]]}
    whatIfError: "", // the last edit that failed: why
    losses: [], // the root's data before the first gradient step and after each
    linkNote: "",
  };
  S.grads[ROOT] = 1;

  // ---------------------------------------------------------------- backward steps

  function edgeRecord(pos) {
    const [c, k] = G.steps[pos];
    return { child: c, slot: k, parent: N[c].parents[k], local: G.locals[c][k] };
  }

  /** backward()'s next multiply-add, on the page's grads; returns what it did, or null at the end. */
  function doStep() {
    if (S.pos >= G.steps.length) return null;
    const { child, slot, parent, local } = edgeRecord(S.pos);
    const upstream = S.grads[child];
    const shownBefore = S.grads[parent];
    const before = shownBefore === null ? 0 : shownBefore; // an unreached node's grad is 0
    const after = local !== 0 ? before + local * upstream : before; // parent.grad += local * node.grad
    S.grads[parent] = after;
    // (those passed after the last step come with it: they are looked at after its update)
    const passed = G.passed[S.pos].filter((i) => !S.passed[i]);
    const zeroed = passed.filter((i) => S.grads[i] === null);
    const newly = S.passed[child] ? [] : [child];
    S.history.push({ parent, shownBefore, passed, zeroed, newly });
    passed.concat(newly).forEach((i) => (S.passed[i] = true));
    zeroed.forEach((i) => (S.grads[i] = 0)); // passed over, never reached: its grad stays 0
    S.pos += 1;
    return { parent: "v" + parent, child: "v" + child, slot, local, upstream, before, after,
      skipped: passed.filter((i) => N[i].parents.length).map((i) => "v" + i) }; // fmt: skip
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
  /** Replay the backward pass to step k (after the graph changed: its steps may have). */
  function replayTo(k) {
    while (undoStep());
    while (S.pos < Math.min(k, G.steps.length) && doStep() !== null);
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
    if (countPaths(i).paths > BigInt(limit)) return null;
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
        const local = G.locals[j][k];
        if (r[p]) stack.push([p, [[p, j, k, local]].concat(edges), product * local]);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- what if: change a leaf, take a gradient step

  /** Why leaf i cannot be changed on this page, or "" when it can. */
  function cannotChange(i) {
    if (QUIZ_PAGE) return "a quiz page keeps its numbers";
    if (N[i].parents.length) return N[i].name + " is computed by op " + N[i].op + ": change a leaf (an input or a parameter)";
    const u = unknownBelow[i];
    if (u !== null)
      return "op " + N[u].op + " (" + N[u].name + ") is your own (Value.from_op): the page cannot recompute it, " +
        "so it keeps the what-if off for what it depends on";
    return "";
  }
  function cannotStep() {
    if (QUIZ_PAGE) return "a quiz page keeps its numbers";
    if (!PARAMS.length) return D.noParams || "no parameters";
    for (const p of PARAMS) if (cannotChange(p)) return cannotChange(p);
    return "";
  }

  /** The graph with the leaves in `set` (index → new data) changed: forward through what they reach, with
   * the ops' mirrors, then the backward walk. Throws the engine's error (naming the op) where an op fails. */
  function recompute(set) {
    const data = G.data.slice();
    const locals = G.locals.slice();
    const dirty = new Uint8Array(N.length);
    set.forEach((x, i) => {
      if (!Object.is(x, data[i])) (dirty[i] = 1), (data[i] = x);
    });
    for (let i = 0; i < N.length; i++) {
      const n = N[i];
      if (!n.parents.length || !n.parents.some((p) => dirty[p])) continue;
      let out;
      try {
        out = MIRROR.apply(n.kind, n.parents.map((p) => data[p]), n.params, n, (k) => data[N[n.parents[k]].parents[0]]);
      } catch (e) {
        if (e instanceof MIRROR.OpError) throw new Error(e.message + ", at " + n.name);
        throw e;
      }
      if (!Object.is(out[0], data[i])) dirty[i] = 1;
      data[i] = out[0];
      locals[i] = out[1];
    }
    return Object.assign({ data, locals }, walk(locals));
  }

  /** Make `next` the page's graph: mark what changed (data or grad), keep the stepping where it was. */
  function commit(next, what) {
    const rows = [];
    N.forEach((n, i) => {
      if (!Object.is(next.data[i], G.data[i]) || !Object.is(next.grads[i], G.grads[i]))
        rows.push([i, G.data[i], next.data[i], G.grads[i], next.grads[i]]);
    });
    const k = S.pos;
    Object.assign(G, next);
    S.changes = { what, rows };
    S.whatIfError = "";
    replayTo(k);
  }

  function setData(i, x, record) {
    const why = cannotChange(i);
    if (why) throw new Error("chainrule: cannot change " + N[i].name + ": " + why);
    if (typeof x !== "number" || !Number.isFinite(x)) throw new Error("chainrule: " + N[i].name + " must be a finite number, got " + x);
    let next;
    try {
      next = recompute(new Map([[i, x]]));
    } catch (e) {
      S.whatIfError = "what if " + esc(N[i].name) + " = " + fmt(x) + ": " + minus(esc(e.message)) + ". The page keeps the last valid values.";
      throw e;
    }
    commit(next, nm(i) + " = " + fmt(x));
    if (record !== false) S.actions.push(["set", i, x]);
    return { data: G.data[ROOT], grad: G.grads[ROOT] };
  }

  function gradientStep(lr, record) {
    const why = cannotStep();
    if (why) throw new Error("chainrule: no gradient step: " + why);
    if (typeof lr !== "number" || !(lr > 0) || !Number.isFinite(lr)) throw new Error("chainrule: the learning rate must be a number > 0, got " + lr);
    const set = new Map(PARAMS.map((p) => [p, G.data[p] - lr * G.grads[p]])); // p.data -= lr * p.grad (nn.SGD)
    let next;
    try {
      next = recompute(set);
    } catch (e) {
      S.whatIfError = "gradient step (lr " + fmt(lr) + "): " + minus(esc(e.message)) + ". The page keeps the last valid values.";
      throw e;
    }
    if (!S.losses.length) S.losses.push(G.data[ROOT]);
    commit(next, "a gradient step, lr = " + fmt(lr));
    S.losses.push(G.data[ROOT]);
    if (record !== false) S.actions.push(["step", lr]);
    return G.data[ROOT];
  }

  /** The graph as built: every edit undone. */
  function restore() {
    const k = S.pos;
    Object.assign(G, { data: BUILT.data.slice(), locals: BUILT.locals.slice(), grads: BUILT.grads, steps: BUILT.steps, passed: BUILT.passed });
    S.actions = [];
    S.changes = null;
    S.losses = [];
    S.whatIfError = "";
    replayTo(k);
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
        return G.grads[i];
      case "quiz":
        if (S.quizKind === "locals") return null;
        return i === ROOT || S.revealed.has(i) ? G.grads[i] : null;
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

  // What render() last wrote on each element is remembered on it, so that a step touches the DOM only
  // where something changed (a 200-node page then steps in well under a millisecond of DOM work).
  const squeeze = new Set();
  function setText(t, s) {
    if (t._crText !== s) {
      t._crText = s;
      t.textContent = s;
      squeeze.add(t);
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
  function setHTML(el, html) {
    if (el._crHTML !== html) el.innerHTML = el._crHTML = html;
  }

  function render() {
    if (stepIndexOf !== G.steps) indexSteps();
    const cur = currentEdge();
    const paths = pathsOfSelection();
    app.dataset.mode = S.mode;
    document.querySelectorAll("#cr-modes button").forEach((b) => {
      b.setAttribute("aria-pressed", b.dataset.mode === S.mode);
      b.disabled = QUIZ_PAGE && (b.dataset.mode === "backward" || b.dataset.mode === "paths");
    });

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
          if (!nodeColour.has(c)) nodeColour.set(c, colour);
        }
      });
    }
    const changed = new Set(S.changes ? S.changes.rows.map((r) => r[0]) : []);
    const forwardCurrent = S.mode === "forward" && S.fpos > 0 ? S.fpos - 1 : null;
    N.forEach((n, i) => {
      const e = E[i];
      setText(e.dataT, dataShown(i) ? fmt(G.data[i]) : "·");
      let g = shownGrad(i);
      if (travel && travel.parent === i) g = travel.before; // the grad is on its way
      const hiddenByQuiz = S.mode === "quiz" && S.quizKind === "grads" && g === null;
      setText(e.gradT, g === null ? (hiddenByQuiz ? "?" : "·") : fmt(g));
      setClass(e.gradT, "cr-blank", g === null);
      setClass(e.dataT, "cr-blank", !dataShown(i));
      setClass(e.g, "cr-child", (cur && cur.child === i) || forwardCurrent === i);
      setClass(e.g, "cr-parent", cur && cur.parent === i);
      setClass(e.g, "cr-input", forwardCurrent !== null && N[forwardCurrent].parents.includes(i));
      setClass(e.g, "cr-skipped", S.mode === "backward" && S.passed[i] && n.parents.length && S.grads[i] === 0);
      setClass(e.g, "cr-selected", S.selected === i);
      setClass(e.g, "cr-revealed", S.mode === "quiz" && S.quizKind === "grads" && S.revealed.has(i));
      setClass(e.g, "cr-changed", changed.has(i));
      setClass(e.g, "cr-locked", !QUIZ_PAGE && !n.parents.length && unknownBelow[i] !== null);
      setColour(e.g, nodeColour.get(i));
      const aria = ariaLabel(i);
      if (e.aria !== aria) e.g.setAttribute("aria-label", (e.aria = aria));
      n.parents.forEach((p, k) => {
        const el = E[i].ins[k].g;
        const done = S.mode === "backward" ? stepIndex[i][k] < S.pos : S.mode === "forward" ? i < S.fpos : true;
        setClass(el, "cr-done", done);
        setClass(el, "cr-now", (cur && cur.child === i && cur.slot === k) || forwardCurrent === i);
        setColour(el, edgeColour.get(i + "." + k));
      });
    });
    for (const t of squeeze) {
      const e = E[+t.parentNode.dataset.node.slice(1)];
      fitLine(e.dataT, e.gradT, e.w - 6, false);
    }
    squeeze.clear();
    renderLabels(cur, forwardCurrent);
    renderControls();
    setHTML(line, lineHTML());
    setHTML(panelMain, panelHTML(paths));
    setHTML(panelWhatIf, whatIfHTML());
    setHTML(panelLog, S.mode === "backward" ? logHTML() : "");
    setHTML(panelInspect, '<div class="cr-inspect-box">' + inspectHTML(S.selected) + "</div>");
    const input = panel.querySelector("input[data-focus]");
    if (input && document.activeElement !== input && !S.playing && !panel.contains(document.activeElement))
      input.focus({ preventScroll: true });
    if (!linkTimer) linkTimer = setTimeout(writeLink, 120); // the address follows, a moment later
  }
  let stepIndex = []; // [child][slot] → its step number (Infinity: never a step)
  let stepIndexOf = null; // the steps it indexes
  function indexSteps() {
    stepIndex = N.map((n) => n.parents.map(() => Infinity));
    G.steps.forEach(([c, k], s) => (stepIndex[c][k] = s));
    stepIndexOf = G.steps;
  }

  function ariaLabel(i) {
    const g = shownGrad(i);
    return N[i].name + (N[i].op ? ", op " + N[i].op : ", a leaf") + (dataShown(i) ? ", data " + fmt(G.data[i]) : "") +
      (g !== null ? ", grad " + fmt(g) : "");
  }

  /** The local derivatives written on edges: the current step's edge, the edges into the node computed in the
   * forward pass, and those of the node (or edge) under the mouse. */
  let labelsKey = null;
  function renderLabels(cur, forwardCurrent) {
    const want = [];
    if (cur) want.push([cur.child, cur.slot, "now"]);
    if (forwardCurrent !== null) N[forwardCurrent].parents.forEach((p, k) => want.push([forwardCurrent, k, "now"]));
    if (S.hover !== null) {
      N[S.hover].parents.forEach((p, k) => want.push([S.hover, k, "hover"]));
      N[S.hover].children.forEach(([c, k]) => want.push([c, k, "hover"]));
    }
    if (S.hoverEdge) want.push([S.hoverEdge[0], S.hoverEdge[1], "hover"]);
    const texts = want.map(([c, k, how]) => [c, k, how, !localComputed(c) ? "" : localShown(c, k) ? fmt(G.locals[c][k]) : "?"]);
    const key = JSON.stringify(texts) + graph.layout;
    if (key === labelsKey) return;
    labelsKey = key;
    overG.querySelectorAll(".cr-elabel").forEach((el) => el.remove());
    const seen = new Set();
    for (const [c, k, how, text] of texts) {
      if (!text || seen.has(c + "." + k)) continue;
      seen.add(c + "." + k);
      const [x, y] = middleOf(E[c].ins[k].pts);
      const g = make("g", { class: "cr-elabel cr-elabel-" + how, "data-label": "v" + c + "." + k, transform: "translate(" + x + " " + y + ")" });
      overG.insertBefore(g, overG.firstChild);
      const w = textWidth(text, false) + 8;
      make("rect", { x: -w / 2, y: -8, width: w, height: 14, rx: 3 }, g);
      const t = make("text", { x: 0, y: 3, "text-anchor": "middle" }, g);
      t.textContent = text;
    }
  }

  const C = {};
  ["controls", "start", "back", "next", "end", "play", "speed", "speed-value", "count", "layout", "animate", "link"].forEach(
    (k) => (C[k] = document.getElementById("cr-" + k))
  );
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
  for (const k of ["start", "back", "next", "end"]) C[k].innerHTML = ICON[k];
  function renderControls() {
    const stepping = S.mode === "forward" || S.mode === "backward";
    const [at, total] = S.mode === "forward" ? [S.fpos, N.length] : [S.pos, G.steps.length];
    C.controls.hidden = !stepping;
    C.start.disabled = C.back.disabled = at === 0;
    C.next.disabled = C.end.disabled = at === total;
    setHTML(C.play, S.playing ? ICON.pause + " pause" : ICON.play + " play");
    C.speed.value = SPEEDS.indexOf(S.speed);
    setHTML(C["speed-value"], S.speed + "/s");
    setHTML(C.count, (S.mode === "forward" ? "node " : "step ") + at + " of " + total);
    setHTML(C.layout, graph.layout === "LR" ? "⇣ vertical" : "⇢ horizontal");
    C.animate.checked = S.animate;
    setHTML(C.link, S.linkNote || "copy link");
  }

  // ---------------------------------------------------------------- the update line

  function opFormula(i, values) {
    const n = N[i];
    const args = n.parents.map((p) => (values ? term(G.data[p]) : nm(p)));
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
    if (n.kind === "**n") return args[0] + "<sup>" + esc(fmt(n.params.exponent)) + "</sup>";
    if (n.op === "**") return args[0] + "<sup>" + args[1] + "</sup>";
    if (n.op === "neg") return "−" + args[0];
    const plainArgs = n.parents.map((p) => (values ? fmt(G.data[p]) : nm(p))); // in f(…), no parentheses needed
    return esc(n.op) + "(" + (plainArgs.length > 8 ? plainArgs.slice(0, 8).join(", ") + ", …" : plainArgs.join(", ")) + ")";
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
        '<div class="cr-l2">' + nm(i) + " = " + fmt(G.data[i]) + "</div>"
      );
    const locals = n.parents
      .slice(0, 6)
      .map((p, k) => dLocal(i, p) + " = " + (localShown(i, k) ? fmt(G.locals[i][k]) : "?"))
      .join(", ");
    const more = n.parents.length > 6 ? ", … (" + n.parents.length + " in all)" : "";
    return (
      '<div class="cr-l1">node ' + S.fpos + " of " + N.length + ": " + esc(n.op) + " of " + n.parents.length +
      " input" + (n.parents.length === 1 ? "" : "s") + "</div>" +
      '<div class="cr-l2">' + nm(i) + " = " + opFormula(i, false) + " = " + opFormula(i, true) + " = " + fmt(G.data[i]) +
      "</div>" +
      '<div class="cr-l3">local derivatives stored on the node: ' + locals + more + "</div>"
    );
  }

  function skippedNote(list) {
    const skipped = list.filter((i) => N[i].parents.length);
    if (!skipped.length) return "";
    return (
      '<span class="cr-skip">skipped ' + skipped.map(nm).join(", ") +
      ": grad 0, nothing to pass on (backward() skips a node whose grad is 0)</span>"
    );
  }

  function backwardLine() {
    if (S.pos === 0)
      return (
        '<div class="cr-l1">Backward pass: ' + dRoot(ROOT) + " = 1. Each step passes a node's grad to one " +
        "of its inputs: input.grad += local derivative × node.grad, in backward()'s order.</div>" +
        '<div class="cr-l2">' + G.steps.length + " step" + (G.steps.length === 1 ? "" : "s") + ", one per edge: press → or ▶ play.</div>"
      );
    const { child, parent, local } = edgeRecord(S.pos - 1);
    const h = S.history[S.pos - 1];
    const upstream = S.grads[child];
    const after = S.grads[parent];
    const product = local * upstream;
    const before = h.shownBefore === null ? 0 : h.shownBefore;
    // the sum is written as the grad travels: its result appears when it arrives (.cr-arrive)
    let out =
      '<div class="cr-l1">step ' + S.pos + " of " + G.steps.length + ": edge " + nm(parent) + " → " + nm(child) +
      '&ensp;<span class="cr-muted">(' + dRoot(parent) + " += " + dLocal(child, parent) + " × " + dRoot(child) +
      ")</span></div>" +
      '<div class="cr-l2">' + dRoot(parent) + " += " + fmt(local) + " × " + fmt(upstream) +
      '<span class="cr-arrive"> = ' + fmt(product) + "</span></div>";
    // the third row: a second path's sum, the nodes skipped, the end
    const third = [];
    if (h.shownBefore !== null)
      third.push(
        '<span class="cr-arrive">' + dRoot(parent) + " = " + fmt(before) + " + " + term(product) + " = " + fmt(after) +
        '&ensp;<span class="cr-muted">another path adds to the grad</span></span>'
      );
    third.push(skippedNote(h.passed));
    if (S.pos === G.steps.length)
      third.push('<span class="cr-done-note">Done: every grad is ' + esc("∂" + ROOT_NAME) + "/∂node, as backward() leaves it.</span>");
    const rest = third.filter((t) => t);
    return out + (rest.length ? '<div class="cr-l3">' + rest.join("&emsp;") + "</div>" : "");
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
          " is the sum, over every path from the node to " + esc(ROOT_NAME) +
          ", of the product of the local derivatives on its edges.</div>" +
          '<div class="cr-l2">' + (S.selected === null ? "Click a node." : pathsSummary()) + "</div>"
        );
      case "quiz":
        return (
          '<div class="cr-l1">Quiz: ' +
          (S.quizKind === "grads"
            ? "the grads are hidden. Click a node and type its grad " + esc("∂" + ROOT_NAME) + "/∂node."
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
      (c.factors === 1n ? "" : "s") + "; " + dRoot(i) + " = " + fmt(G.grads[i])
    );
  }

  const scoreText = () =>
    S.score.right + " right · " + S.score.wrong + " wrong · " + S.score.revealed + " revealed";

  // ---------------------------------------------------------------- the side panel

  // the panel in parts, each redrawn only when its own text changes (a box being typed in is left alone)
  panel.innerHTML = '<div id="cr-panel-main"></div><div id="cr-whatif"></div><div id="cr-log"></div><div id="cr-inspect"></div>';
  const panelMain = document.getElementById("cr-panel-main");
  const panelWhatIf = document.getElementById("cr-whatif");
  const panelLog = document.getElementById("cr-log");
  const panelInspect = document.getElementById("cr-inspect");

  function inspectHTML(i) {
    if (i === null) return '<p class="cr-muted">Hover over a node or click it for its numbers in full.</p>';
    const n = N[i];
    const g = shownGrad(i);
    let rows =
      "<tr><th>op</th><td>" + (n.op ? esc(n.op) : "leaf") + "</td></tr>" +
      "<tr><th>data</th><td>" + (dataShown(i) ? full(G.data[i]) : "not computed yet") + "</td></tr>" +
      "<tr><th>grad</th><td>" +
      (g !== null ? full(g) : S.mode === "quiz" ? "hidden (quiz)" : S.mode === "forward" ? "—" : "not reached yet") +
      "</td></tr>";
    if (n.parents.length) {
      rows += '<tr><th colspan="2">local derivatives on the incoming edges</th></tr>';
      n.parents.forEach((p, k) => {
        rows +=
          '<tr><td class="cr-sym">' + dLocal(i, p) + "</td><td>" +
          (!localComputed(i) ? "—" : localShown(i, k) ? full(G.locals[i][k]) : "hidden (quiz)") + "</td></tr>";
      });
    }
    if (n.children.length) {
      rows += '<tr><th colspan="2">used by</th></tr>';
      n.children.forEach(([c, k]) => {
        rows +=
          '<tr><td class="cr-sym">' + dLocal(c, i) + "</td><td>" +
          (!localComputed(c) ? "—" : localShown(c, k) ? full(G.locals[c][k]) : "hidden (quiz)") + "</td></tr>";
      });
    }
    const label = n.label && n.label !== n.name ? '<p class="cr-label">label: ' + esc(n.label) + "</p>" : "";
    return '<h3 class="cr-name">' + esc(n.name) + "</h3>" + label + '<table class="cr-inspect">' + rows + "</table>"; // whole
  }

  function logHTML() {
    if (S.pos === 0) return "";
    const from = Math.max(0, S.pos - 12);
    let rows = "";
    for (let s = S.pos - 1; s >= from; s--) {
      const { child, parent, local } = edgeRecord(s);
      rows +=
        "<li" + (s === S.pos - 1 ? ' class="cr-last"' : "") + ' value="' + (s + 1) + '">' + dRoot(parent) + " += " +
        fmt(local) + " × " + fmt(G.grads[child]) + "</li>"; // the child's grad is final when the walk reaches it
    }
    return "<h3>Steps so far</h3><ol reversed class=\"cr-log\">" + rows + "</ol>" +
      (from > 0 ? '<p class="cr-muted">… ' + from + " earlier</p>" : "");
  }

  function pathsHTML(paths) {
    if (S.selected === null) return "<h3>Paths</h3><p>Click any node to light its chain-rule paths to " + esc(ROOT_NAME) + ".</p>";
    const i = S.selected;
    if (paths === null) {
      const c = countPaths(i);
      return (
        "<h3>Paths from " + nm(i) + "</h3><p>" + plain(c.paths) + " paths with " + plain(c.factors) +
        " factors in all: more than the " + D.pathLimit + " the page lists (count_paths counts them without " +
        "listing them). backward() gets " + dRoot(i) + " = " + fmt(G.grads[i]) + " with one multiply-add per edge.</p>"
      );
    }
    if (!paths.length) return "<h3>Paths from " + nm(i) + "</h3><p>No path: " + esc(ROOT_NAME) + " does not depend on it.</p>";
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
    const agrees = Math.abs(sum - G.grads[i]) <= 1e-9 * paths.reduce((a, p) => a + Math.abs(p.product), 0);
    return (
      "<h3>Paths from " + nm(i) + " to " + esc(ROOT_NAME) + "</h3><ol class=\"cr-paths\">" + rows + "</ol>" +
      '<p class="cr-sum">sum of the products = ' + fmt(sum) + (agrees ? " = " : " ≈ ") + dRoot(i) + " = " + fmt(G.grads[i]) + "</p>" +
      '<p class="cr-muted">Hover over a path to light it alone.</p>'
    );
  }

  const swatch = (cls, text) => '<li><span class="cr-key ' + cls + '"></span>' + text + "</li>";
  const BOX_KEY =
    '<p class="cr-muted cr-boxkey"><span class="cr-keybox"><b>name</b> <i>op</i><br>data <span class="cr-gradword">grad</span></span> ' +
    "each box: a node's name and op; its data, and its grad ∂" + esc(ROOT_NAME) + "/∂node in this colour. Hover over a " +
    "node for the local derivatives on its edges; drag to pan, wheel or pinch to zoom.</p>";
  function legendHTML() {
    if (S.mode === "backward")
      return (
        '<ul class="cr-legend">' + swatch("cr-key-child", "the node passing its grad on") +
        swatch("cr-key-parent", "the input it passes it to") + swatch("cr-key-now", "the edge of this step") +
        swatch("cr-key-done", "edges done") + swatch("cr-key-todo", "edges to do") + "</ul>" + BOX_KEY
      );
    return (
      '<ul class="cr-legend">' + swatch("cr-key-child", "the node just computed") + swatch("cr-key-input", "its inputs") +
      swatch("cr-key-now", "the edges into it, carrying its local derivatives") + "</ul>" +
      '<p class="cr-muted">The forward pass computes each node after its inputs. Each op also stores its local ' +
      "derivatives (shown on its edges): the backward pass only multiplies and adds them.</p>" + BOX_KEY
    );
  }

  function panelHTML(paths) {
    if (S.mode === "paths") return pathsHTML(paths);
    if (S.mode === "quiz") return quizHTML();
    return legendHTML();
  }

  /** The what-if box: change the selected leaf, take a gradient step, the loss so far, what changed, reset. */
  function whatIfHTML() {
    if (QUIZ_PAGE) return "";
    const i = S.selected;
    let out = "<h3>What if</h3>";
    if (i !== null && !N[i].parents.length) {
      const why = cannotChange(i);
      out += why
        ? '<p class="cr-muted">' + esc(why) + ".</p>"
        : '<form class="cr-set" data-set="' + i + '"><label>' + nm(i) + ' = <input name="value" inputmode="decimal" autocomplete="off" ' +
          'size="12" value="' + esc(MIRROR.repr(G.data[i])) + '"></label> <button type="submit">set</button></form>';
    } else out += '<p class="cr-muted">Click a leaf (an input or a parameter) to change its value: the page recomputes both passes.</p>';
    const noStep = cannotStep();
    out +=
      '<form class="cr-step"><label>learning rate <input name="lr" inputmode="decimal" autocomplete="off" size="6" value="' +
      esc(String(S.lr)) + '"' + (noStep ? " disabled" : "") + "></label> <button type=\"submit\"" + (noStep ? " disabled" : "") +
      ' title="each parameter p: p.data −= lr × p.grad, then forward and backward again">gradient step</button></form>';
    if (noStep) out += '<p class="cr-muted">No gradient step: ' + esc(noStep) + ".</p>";
    else out += '<p class="cr-muted">Steps ' + PARAMS.length + " parameter" + (PARAMS.length === 1 ? "" : "s") + ": p −= lr × grad.</p>";
    if (S.losses.length) out += lossCurve();
    if (S.whatIfError) out += '<p class="cr-error">' + S.whatIfError + "</p>";
    if (S.changes) {
      const rows = S.changes.rows;
      out += "<p>" + S.changes.what + ": " + rows.length + " node" + (rows.length === 1 ? "" : "s") + " changed</p>";
      if (rows.length) {
        out += '<table class="cr-changes"><tr><th></th><th>data</th><th>grad</th></tr>';
        // the root first, then the rest in topological order
        const sorted = rows.filter((r) => r[0] === ROOT).concat(rows.filter((r) => r[0] !== ROOT));
        for (const [j, d0, d1, g0, g1] of sorted.slice(0, 14)) {
          const cell = (a, b) => (Object.is(a, b) ? fmt(b) : apart(a, b));
          out += "<tr><td>" + nm(j) + "</td><td>" + cell(d0, d1) + "</td><td>" + cell(g0, g1) + "</td></tr>";
        }
        out += "</table>" + (rows.length > 14 ? '<p class="cr-muted">… and ' + (rows.length - 14) + " more</p>" : "");
      }
    }
    if (S.actions.length || S.whatIfError) out += '<p><button type="button" data-restore>reset: the graph as built</button></p>';
    return out;
  }

  function lossCurve() {
    const L = S.losses;
    const [w, h] = [250, 70];
    const lo = Math.min(...L);
    const hi = Math.max(...L);
    const y = (v) => (hi > lo ? 6 + ((hi - v) / (hi - lo)) * (h - 12) : h / 2);
    const x = (k) => 4 + (L.length > 1 ? (k / (L.length - 1)) * (w - 8) : 0);
    const pts = L.map((v, k) => x(k).toFixed(1) + "," + y(v).toFixed(1)).join(" ");
    return (
      '<p class="cr-losslabel">' + esc(ROOT_NAME) + " after each step: " + fmt(L[0]) + " → " + fmt(L[L.length - 1]) + "</p>" +
      '<svg class="cr-loss" viewBox="0 0 ' + w + " " + h + '" width="' + w + '" height="' + h + '" role="img" aria-label="the loss after each gradient step">' +
      '<polyline points="' + pts + '"/>' + L.map((v, k) => '<circle cx="' + x(k).toFixed(1) + '" cy="' + y(v).toFixed(1) + '" r="2"/>').join("") +
      "</svg>"
    );
  }

  // ---------------------------------------------------------------- the quiz

  function parseNumber(value) {
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
  // (on a quiz page the grads are not in the file: G.grads are the page's own walk over the local derivatives)
  function answerNode(i, value) {
    const ok = check(parseNumber(value), G.grads[i], dRoot(i), () => S.revealed.add(i));
    if (ok && S.mode === "quiz" && S.selected === i) S.selected = nextQuizNode();
    return ok;
  }
  function answerLocal(c, k, value) {
    return check(parseNumber(value), G.locals[c][k], dLocal(c, N[c].parents[k]), () => S.revealed.add(c + "." + k));
  }

  function nextQuizNode() {
    // backward's order: the first hidden node whose users all show their grads
    for (let i = ROOT; i >= 0; i--) {
      if (S.revealed.has(i) || i === ROOT) continue;
      if (N[i].children.every(([c]) => c === ROOT || S.revealed.has(c))) return i;
    }
    return null;
  }

  const typedValue = (key) => (S.typed && S.typed[0] === key ? 'value="' + esc(S.typed[1]) + '" ' : "");
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
        body = "<p>" + dRoot(i) + " = " + fmt(G.grads[i]) + " ✓</p>";
      } else {
        const hint = N[i].children
          .map(([c, k]) => fmt(G.locals[c][k]) + " × " + (c === ROOT || S.revealed.has(c) ? term(G.grads[c]) : dRoot(c)))
          .join(" + ");
        body =
          '<form class="cr-ask" data-ask="' + i + '"><label>' + dRoot(i) + " = <input data-focus " + typedValue(String(i)) +
          'inputmode="decimal" autocomplete="off" size="12"></label> ' +
          '<button type="submit">check</button> <button type="button" data-reveal="' + i + '">reveal</button> ' +
          '<button type="button" data-hint>hint</button></form>' +
          (S.hint
            ? '<p class="cr-muted">' + dRoot(i) + " = Σ over the nodes that use " + nm(i) + " of ∂node/∂" + nm(i) + " × " +
              esc("∂" + ROOT_NAME) + "/∂node = " + hint + "</p>"
            : "");
      }
    } else if (i === null || !N[i].parents.length) {
      body = "<p>Click a node that has inputs (an op's result): you give ∂node/∂input for each input.</p>";
    } else {
      body = N[i].parents
        .map((p, k) => {
          const key = i + "." + k;
          if (S.revealed.has(key)) return "<p>" + dLocal(i, p) + " = " + fmt(G.locals[i][k]) + " ✓</p>";
          return (
            '<form class="cr-ask" data-ask-edge="' + key + '"><label>' + dLocal(i, p) + " = <input " + typedValue(key) +
            (k === N[i].parents.findIndex((_, kk) => !S.revealed.has(i + "." + kk)) ? "data-focus " : "") +
            'inputmode="decimal" autocomplete="off" size="12"></label> <button type="submit">check</button> ' +
            '<button type="button" data-reveal-edge="' + key + '">reveal</button></form>'
          );
        })
        .join("");
      body = "<p>" + nm(i) + " = " + opFormula(i, false) + " = " + fmt(G.data[i]) + "</p>" + body;
    }
    return "<h3>Quiz</h3>" + kinds + rule + body + (S.feedback ? '<p class="cr-feedback">' + S.feedback + "</p>" : "") +
      '<p class="cr-score">' + scoreText() + "</p>";
  }

  // ---------------------------------------------------------------- animation: the grad travels along its edge

  let travel = null; // {parent, before, frame, dot}
  const animating = () => S.animate && motion && (!S.playing || S.speed <= 4) && document.visibilityState !== "hidden";

  function startTravel(r) {
    finishTravel(false);
    if (!r || !animating()) return;
    const child = +r.child.slice(1);
    const e = E[child].ins[r.slot];
    let length;
    try {
      length = e.path.getTotalLength();
    } catch (err) {
      return; // not drawn (a hidden frame): no travel
    }
    const parent = +r.parent.slice(1);
    const dot = make("circle", { class: "cr-travel", r: 4 }, overG);
    const duration = S.playing ? Math.min(600, 750 / S.speed) : 550;
    travel = { parent, before: S.history[S.pos - 1].shownBefore, dot, frame: null };
    app.classList.add("cr-travelling");
    const start = performance.now();
    const frame = (now) => {
      const t = Math.min(1, (now - start) / duration);
      const u = t * t * (3 - 2 * t);
      const pt = e.path.getPointAtLength(length * (1 - u)); // from the child's end back to the parent's
      dot.setAttribute("cx", pt.x.toFixed(2));
      dot.setAttribute("cy", pt.y.toFixed(2));
      if (t < 1) travel.frame = requestAnimationFrame(frame);
      else finishTravel(true);
    };
    travel.frame = requestAnimationFrame(frame);
  }
  /** The grad has arrived (or the travel is cut short): the update line and the box show the result. */
  function finishTravel(redraw) {
    if (!travel) return;
    if (travel.frame) cancelAnimationFrame(travel.frame);
    travel.dot.remove();
    travel = null;
    app.classList.remove("cr-travelling");
    if (redraw !== false) render();
  }

  // ---------------------------------------------------------------- actions

  function setMode(mode) {
    if (!MODES.includes(mode)) throw new Error("chainrule: mode must be one of " + MODES.join(", ") + ", got " + mode);
    if (QUIZ_PAGE && (mode === "backward" || mode === "paths"))
      throw new Error("chainrule: a quiz page has no " + mode + " mode (it would show the grads)");
    pause();
    finishTravel(false);
    S.mode = mode;
    S.hoverPath = null;
    S.feedback = "";
  }

  function forwardStep() {
    if (S.fpos >= N.length) return null;
    S.fpos += 1;
    return { id: N[S.fpos - 1].id, data: G.data[S.fpos - 1] };
  }
  /** One step in the current stepping mode (forward or backward); false at the end. */
  function advance() {
    if (S.mode === "forward") return forwardStep() !== null;
    if (S.mode !== "backward") setMode("backward");
    const r = doStep();
    startTravel(r);
    return r !== null;
  }
  function retreat() {
    finishTravel(false);
    if (S.mode === "forward") return S.fpos > 0 ? ((S.fpos -= 1), true) : false;
    if (S.mode !== "backward") setMode("backward");
    return undoStep();
  }
  function toStart() {
    finishTravel(false);
    if (S.mode === "forward") S.fpos = 0;
    else while (undoStep());
  }
  function toEnd() {
    finishTravel(false);
    if (S.mode === "forward") S.fpos = N.length;
    else while (doStep() !== null);
  }

  function play() {
    if (S.playing || !(S.mode === "forward" || S.mode === "backward")) return;
    const atEnd = S.mode === "forward" ? S.fpos >= N.length : S.pos >= G.steps.length;
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

  /** Keep what the learner is looking at in view: both nodes of the current edge, the node computed, the selection. */
  function follow() {
    const cur = currentEdge();
    if (cur) keepInView([cur.child, cur.parent], true);
    else if (S.mode === "forward" && S.fpos) keepInView([S.fpos - 1, ...N[S.fpos - 1].parents.slice(0, 4)], true);
    else if (S.mode === "backward") keepInView([ROOT], true);
    else if (S.selected !== null) keepInView([S.selected], true);
  }

  function setLayout(name) {
    if (!LAYOUTS[name]) throw new Error("chainrule: layout must be LR or TB, got " + name);
    placeLayout(name);
    fit(false);
    follow();
  }

  // ---------------------------------------------------------------- the link: the state in the URL fragment

  // #mode=backward&step=12&node=v7&layout=TB&quiz=locals&lr=0.05&edits=v0:0.5,g0.1*3
  // edits: in order, "v0:0.5" sets leaf v0 to 0.5, "g0.1" takes a gradient step with lr 0.1 (×3: three of them)
  function fragment() {
    const parts = ["mode=" + S.mode];
    const step = S.mode === "forward" ? S.fpos : S.pos;
    if (step) parts.push("step=" + step);
    if (S.selected !== null) parts.push("node=v" + S.selected);
    parts.push("layout=" + graph.layout);
    if (S.quizKind !== "grads") parts.push("quiz=" + S.quizKind);
    if (S.lr !== 0.1) parts.push("lr=" + S.lr);
    if (S.actions.length) {
      const out = [];
      for (const a of S.actions) {
        const text = a[0] === "set" ? "v" + a[1] + ":" + a[2] : "g" + a[1];
        const last = out[out.length - 1];
        if (last && last[0] === text) last[1] += 1;
        else out.push([text, 1]);
      }
      parts.push("edits=" + out.map(([t, n]) => t + (n > 1 ? "*" + n : "")).join(","));
    }
    return parts.join("&");
  }
  let written = null;
  let linkTimer = null;
  function writeLink() {
    clearTimeout(linkTimer);
    linkTimer = null;
    const f = fragment();
    if (f === written) return;
    written = f;
    try {
      history.replaceState(null, "", "#" + f);
    } catch (e) {
      // an inline page (about:srcdoc) has no address of its own to keep the state in
    }
  }
  /** Restore the state a link carries; returns the problems met (parts it could not use). */
  function readLink(hash) {
    const problems = [];
    const q = {};
    for (const part of hash.replace(/^#/, "").split("&")) {
      if (!part) continue;
      const at = part.indexOf("=");
      q[decodeURIComponent(at < 0 ? part : part.slice(0, at))] = decodeURIComponent(at < 0 ? "" : part.slice(at + 1));
    }
    const nodeOf = (s) => {
      const i = /^v\d+$/.test(s) ? +s.slice(1) : NaN;
      return i >= 0 && i < N.length ? i : null;
    };
    try {
      if (q.edits && !QUIZ_PAGE) {
        restore();
        for (const item of q.edits.split(",")) {
          const [what, times] = item.split("*");
          for (let t = 0; t < (times ? +times : 1); t++) {
            if (what[0] === "g") gradientStep(Number(what.slice(1)));
            else {
              const [id, x] = what.split(":");
              if (nodeOf(id) === null) throw new Error("no node " + id);
              setData(nodeOf(id), Number(x));
            }
          }
        }
      }
    } catch (e) {
      problems.push("edits: " + e.message);
    }
    if (q.lr && Number(q.lr) > 0) S.lr = Number(q.lr);
    if (q.layout && LAYOUTS[q.layout] && q.layout !== graph.layout) placeLayout(q.layout), fit(false);
    if (q.mode && MODES.includes(q.mode) && !(QUIZ_PAGE && (q.mode === "backward" || q.mode === "paths"))) setMode(q.mode);
    if (q.quiz === "grads" || q.quiz === "locals") S.quizKind = q.quiz;
    const step = Math.max(0, Math.floor(Number(q.step) || 0));
    if (S.mode === "forward") S.fpos = Math.min(step, N.length);
    else if (S.mode === "backward") replayTo(step);
    if (q.node !== undefined) S.selected = nodeOf(q.node);
    return problems;
  }
  function link() {
    writeLink();
    return location.href;
  }
  function copyLink() {
    const url = link();
    const done = (note) => {
      S.linkNote = note;
      render();
      setTimeout(() => {
        S.linkNote = "";
        renderControls();
      }, 2500);
    };
    if (!/^(file|https?):/.test(url)) return done("save the page to link to it");
    if (navigator.clipboard && navigator.clipboard.writeText)
      navigator.clipboard.writeText(url).then(() => done("link copied ✓"), () => done(fallbackCopy(url)));
    else done(fallbackCopy(url));
  }
  function fallbackCopy(url) {
    const t = document.createElement("textarea");
    t.value = url;
    document.body.appendChild(t);
    t.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    t.remove();
    return ok ? "link copied ✓" : "copy the address bar";
  }

  // ---------------------------------------------------------------- events

  const act = (f) => (ev) => {
    if (ev) ev.preventDefault();
    f();
    render();
    follow();
  };
  document.querySelectorAll("#cr-modes button").forEach((b) => b.addEventListener("click", act(() => setMode(b.dataset.mode))));
  C.next.addEventListener("click", act(() => (pause(), advance())));
  C.back.addEventListener("click", act(() => (pause(), retreat())));
  C.start.addEventListener("click", act(() => (pause(), toStart())));
  C.end.addEventListener("click", act(() => (pause(), toEnd())));
  C.play.addEventListener("click", act(() => (S.playing ? pause() : play())));
  C.speed.addEventListener("input", (ev) => {
    S.speed = SPEEDS[+ev.target.value];
    if (S.playing) (pause(), play());
    renderControls();
  });
  C.layout.addEventListener("click", act(() => setLayout(graph.layout === "LR" ? "TB" : "LR")));
  C.animate.addEventListener("change", () => {
    S.animate = C.animate.checked;
    if (!S.animate) finishTravel();
  });
  C.link.addEventListener("click", (ev) => (ev.preventDefault(), copyLink()));
  document.getElementById("cr-zoom-in").addEventListener("click", () => zoomBy(1.25));
  document.getElementById("cr-zoom-out").addEventListener("click", () => zoomBy(1 / 1.25));
  document.getElementById("cr-zoom-fit").addEventListener("click", () => fit(true));

  function select(i) {
    S.selected = i;
    S.hoverPath = null;
    S.feedback = "";
    S.hint = false;
  }
  const nodeAt = (target) => {
    const g = target.closest && target.closest("[data-node]");
    return g ? +g.dataset.node.slice(1) : null;
  };

  // drag to pan, pinch to zoom (pointer events: mouse, pen and touch alike)
  const pointers = new Map();
  let drag = null; // {x, y, vx, vy, moved} from the first pointer; for a pinch, {d, mx, my, s}
  let dragged = false; // the last press moved the view: its click selects nothing
  svg.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    pointers.set(ev.pointerId, [ev.clientX, ev.clientY]);
    dragged = false;
    if (pointers.size === 1) drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false };
    else if (pointers.size === 2) {
      const [[ax, ay], [bx, by]] = [...pointers.values()];
      const r = svg.getBoundingClientRect();
      drag = { pinch: true, d: Math.hypot(ax - bx, ay - by), mx: (ax + bx) / 2 - r.left, my: (ay + by) / 2 - r.top, s: view.s, vx: view.x, vy: view.y };
    }
  });
  svg.addEventListener("pointermove", (ev) => {
    if (!pointers.has(ev.pointerId) || !drag) return;
    pointers.set(ev.pointerId, [ev.clientX, ev.clientY]);
    if (drag.pinch && pointers.size === 2) {
      const [[ax, ay], [bx, by]] = [...pointers.values()];
      const s = Math.min(MAX_SCALE, Math.max(MIN_SCALE, (drag.s * Math.hypot(ax - bx, ay - by)) / (drag.d || 1)));
      const [gx, gy] = [(drag.mx - drag.vx) / drag.s, (drag.my - drag.vy) / drag.s];
      S.fitted = false;
      dragged = true;
      setView(s, drag.mx - s * gx, drag.my - s * gy, false);
      return;
    }
    const [dx, dy] = [ev.clientX - drag.x, ev.clientY - drag.y];
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) svg.setPointerCapture(ev.pointerId);
    drag.moved = dragged = true;
    S.fitted = false;
    svg.classList.add("cr-dragging");
    setView(view.s, drag.vx + dx, drag.vy + dy, false);
  });
  const release = (ev) => {
    pointers.delete(ev.pointerId);
    if (!pointers.size) drag = null, svg.classList.remove("cr-dragging");
  };
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", release);
  svg.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      const r = svg.getBoundingClientRect();
      const dy = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY;
      zoomBy(Math.exp(-dy * (ev.ctrlKey ? 0.01 : 0.0015)), ev.clientX - r.left, ev.clientY - r.top);
    },
    { passive: false }
  );

  svg.addEventListener("click", (ev) => {
    if (dragged) return (dragged = false);
    const i = nodeAt(ev.target);
    if (i === null) return;
    select(S.selected === i && S.mode !== "quiz" ? null : i);
    render();
  });
  svg.addEventListener("mouseover", (ev) => {
    const i = nodeAt(ev.target);
    const edge = ev.target.closest && ev.target.closest("[data-edge]");
    const he = edge ? edge.dataset.edge.slice(1).split(".").map(Number) : null;
    if (i !== S.hover || String(he) !== String(S.hoverEdge)) {
      S.hover = i;
      S.hoverEdge = he;
      renderLabels(currentEdge(), S.mode === "forward" && S.fpos > 0 ? S.fpos - 1 : null);
    }
    if (i === null) return;
    tip.innerHTML = inspectHTML(i);
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
    const g = ev.target.closest && ev.target.closest("[data-node]");
    if (g && !g.contains(ev.relatedTarget)) tip.hidden = true;
    if (!svg.contains(ev.relatedTarget)) {
      S.hover = null;
      S.hoverEdge = null;
      renderLabels(currentEdge(), S.mode === "forward" && S.fpos > 0 ? S.fpos - 1 : null);
    }
  });
  // a node reached with Tab comes into view; Enter (or space) selects it
  nodesG.addEventListener("focusin", (ev) => {
    const i = nodeAt(ev.target);
    if (i !== null) keepInView([i], true);
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
    if (form.classList.contains("cr-set")) {
      const value = parseNumber(form.querySelector("input").value);
      try {
        setData(+form.dataset.set, value);
      } catch (e) {
        if (!S.whatIfError) S.whatIfError = esc(e.message.replace(/^chainrule: /, ""));
      }
      render();
      return;
    }
    if (form.classList.contains("cr-step")) {
      const lr = parseNumber(form.querySelector("input").value);
      try {
        gradientStep(lr);
        S.lr = lr;
      } catch (e) {
        if (!S.whatIfError) S.whatIfError = esc(e.message.replace(/^chainrule: /, ""));
      }
      render();
      return;
    }
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
  panel.addEventListener("input", (ev) => {
    if (ev.target.name === "lr") {
      const lr = parseNumber(ev.target.value);
      if (lr > 0 && Number.isFinite(lr)) S.lr = lr;
    }
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
      S.feedback = dRoot(i) + " = " + fmt(G.grads[i]) + " (revealed)";
      render();
    } else if (t.dataset.revealEdge !== undefined) {
      const [c, k] = t.dataset.revealEdge.split(".").map(Number);
      S.revealed.add(c + "." + k);
      S.score.revealed += 1;
      S.feedback = dLocal(c, N[c].parents[k]) + " = " + fmt(G.locals[c][k]) + " (revealed)";
      render();
    } else if (t.dataset.restore !== undefined) {
      restore();
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
    if (t.tagName === "INPUT" && !(t.type === "range" && ev.key === " ") && t.type !== "checkbox") return; // typing
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const i = nodeAt(t);
    if (i !== null && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      select(i);
      render();
      return;
    }
    if (t.tagName === "BUTTON" && (ev.key === "Enter" || ev.key === " ")) return; // the button's own click
    const zoomKeys = { "+": () => zoomBy(1.25), "=": () => zoomBy(1.25), "-": () => zoomBy(1 / 1.25), 0: () => fit(true) };
    if (zoomKeys[ev.key]) return (ev.preventDefault(), zoomKeys[ev.key]());
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
  new ResizeObserver(() => {
    paneSize = null;
    if (S.fitted) fit(false);
  }).observe(graphBox);
  window.addEventListener("hashchange", () => {
    if (location.hash.slice(1) === written) return;
    readLink(location.hash);
    render();
    follow();
  });

  // ---------------------------------------------------------------- the API (README: "The page's JavaScript API")

  const id = (x) => {
    const i = typeof x === "number" ? x : /^v\d+$/.test(x) ? +x.slice(1) : NaN;
    if (!(i >= 0 && i < N.length)) throw new Error("chainrule: no node " + JSON.stringify(x) + " (ids are v0 … v" + ROOT + ")");
    return i;
  };
  const withRender = (f) => (...args) => {
    try {
      return f(...args);
    } finally {
      render(); // also after an error: the page says what went wrong
      follow();
    }
  };
  const api = {
    /** Every node, in topological order (the root last), with the engine's grad after backward() (null on a quiz page). */
    nodes: () => N.map((n, i) => ({ id: n.id, label: n.label, name: n.name, op: n.op, data: G.data[i],
      grad: QUIZ_PAGE ? null : G.grads[i], parents: n.parents.map((p) => "v" + p), locals: G.locals[i].slice() })), // fmt: skip
    /** backward()'s edges in order: [{child, parent, slot, local}]. */
    steps: () => G.steps.map(([c, k]) => ({ child: "v" + c, parent: "v" + N[c].parents[k], slot: k, local: G.locals[c][k] })),
    /** Back to the start of the backward pass: no grad shown but the root's, 1. */
    reset: withRender(() => (setMode("backward"), toStart(), true)),
    /** The next backward step ({parent, child, slot, local, upstream, before, after, skipped}), or null at the end. */
    step: withRender(() => {
      if (S.mode !== "backward") setMode("backward");
      finishTravel(false);
      const r = doStep();
      startTravel(r);
      return r;
    }),
    /** Revert the last backward step; false when there is none. */
    undo: withRender(() => {
      if (S.mode !== "backward") setMode("backward");
      finishTravel(false);
      return undoStep();
    }),
    /** Jump to the end of the backward pass. */
    end: withRender(() => (setMode("backward"), toEnd(), S.pos)),
    /** Where the page is: mode, backward steps done and in all, forward nodes done and in all, the layout. */
    position: () => ({ mode: S.mode, step: S.pos, steps: G.steps.length, forward: S.fpos, nodes: N.length, layout: graph.layout }),
    /** The grad the page shows for node `id` now, or null before it is reached (or while hidden). */
    shown: (x) => shownGrad(id(x)),
    /** The data the page shows for node `id` (null in the forward pass before it is computed). */
    shownData: (x) => (dataShown(id(x)) ? G.data[id(x)] : null),
    /** Every chain-rule path from `id` to the root: [{nodes, factors, product}]; null past `limit` paths. */
    paths: (x, limit) => {
      const ps = listPaths(id(x), limit === undefined ? D.pathLimit : limit);
      return ps && ps.map((p) => ({ nodes: [id(x)].concat(p.edges.map((e) => e[1])).map((i) => "v" + i),
        factors: p.edges.map((e) => e[3]), product: p.product })); // fmt: skip
    },
    /** The number of paths from `id` to the root and of factors on them (numbers, or strings past 2^53). */
    countPaths: (x) => {
      const c = countPaths(id(x));
      return { paths: plain(c.paths), factors: plain(c.factors) };
    },
    /** Quiz: is `value` node `id`'s grad (within the tolerance)? Counts in the score; a right answer is revealed. */
    answer: withRender((x, value) => answerNode(id(x), value)),
    /** Quiz: is `value` the local derivative ∂child/∂(its parent number `slot`)? */
    answerLocal: withRender((x, slot, value) => {
      const i = id(x);
      if (!(slot >= 0 && slot < N[i].parents.length)) throw new Error("chainrule: node " + x + " has no input " + slot);
      return answerLocal(i, slot, value);
    }),
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
        follow();
      }
      return S.mode;
    },
    /** Select (as a click does) node `id`, or nothing with null. */
    select: withRender((x) => (select(x === null ? null : id(x)), S.selected === null ? null : "v" + S.selected)),
    /** Forward pass: compute the next node ({id, data}), or null at the end. */
    forwardStep: withRender(() => {
      if (S.mode !== "forward") setMode("forward");
      return forwardStep();
    }),
    play: () => (play(), render(), true),
    pause: () => (pause(), render(), true),
    /** Text of the update line, as a learner reads it (once the travelling grad has arrived). */
    line: () => (finishTravel(), line.innerText),
    /** What if: leaf `id` holds `value`; recomputes forward and backward; returns the root's {data, grad}. */
    setData: withRender((x, value) => setData(id(x), value)),
    /** One gradient step on the parameters (p.data −= lr · p.grad); returns the root's new data. */
    gradientStep: withRender((lr) => gradientStep(lr === undefined ? S.lr : lr)),
    /** The root's data before the first gradient step and after each one. */
    losses: () => S.losses.slice(),
    /** The graph as built: every what-if edit undone. */
    restore: withRender(() => (restore(), true)),
    /** Which leaves a gradient step moves (their ids), and why there are none. */
    params: () => ({ ids: PARAMS.map((p) => "v" + p), off: cannotStep() }),
    /** The kinds of op the page recomputes (its mirrors of the engine's ops). */
    mirrors: () => MIRROR.kinds(),
    /** Get or set the layout: "LR" (left to right) or "TB" (top to bottom). */
    layout: (name) => {
      if (name !== undefined) setLayout(name), render();
      return graph.layout;
    },
    /** The visible part of the graph, in graph units (points): {x, y, width, height, scale}. */
    view: () => {
      const p = pane();
      return { x: -view.x / view.s, y: -view.y / view.s, width: p.w / view.s, height: p.h / view.s, scale: view.s };
    },
    /** Whether node `id`'s box is inside the visible pane. */
    visible: (x) => inView(boxOf(id(x)), 0),
    /** Fit the whole graph in view. */
    fit: () => (fit(false), true),
    /** Zoom by `factor` about the pane's middle. */
    zoom: (factor) => (zoomBy(factor), view.s),
    /** The state a link carries: {mode, step, node, layout, quizKind, lr, edits, fragment}. */
    state: () => ({ mode: S.mode, step: S.mode === "forward" ? S.fpos : S.pos, node: S.selected === null ? null : "v" + S.selected,
      layout: graph.layout, quizKind: S.quizKind, lr: S.lr, edits: S.actions.map((a) => a.slice()), fragment: fragment() }), // fmt: skip
    /** The page's address with its state after "#" (what "copy link" copies). */
    link: () => link(),
    /** Animate each backward step along its edge (true/false); returns the setting. */
    animate: (on) => {
      if (on !== undefined) (S.animate = !!on), on || finishTravel();
      renderControls();
      return S.animate;
    },
    ready: false,
  };
  window.chainrule = api;

  firstView(null);
  if (S.mode === "backward" && D.select !== null) S.selected = D.select;
  const problems = location.hash.length > 1 ? readLink(location.hash) : [];
  if (problems.length) S.whatIfError = esc("the link's " + problems.join("; "));
  render();
  follow();
  api.ready = true;
  api.readyMs = performance.now(); // since the navigation started: the page is interactive
  document.documentElement.dataset.ready = "true";
})();
