/* chainrule's explorer page: the engine's ops in JavaScript, for the page's "what if".
 *
 * What it is: one entry per kind of op (ops.KINDS in Python), each computing the op's value and
 * its local derivatives from its parents' data and its parameters, with the very formulas of
 * autograd/value.py, autograd/fused.py and autograd/numerics.py — the same float operations in the
 * same order, so that a leaf changed on the page gives (to the last bit, or within the last bit
 * where JavaScript's Math library rounds differently from C's) what the engine gives on the
 * changed graph. An error names the op as the engine's does ("op 'log': log(-1.0) is undefined …").
 * Adding a kind of op to the engine means adding its entry to KINDS below; the tests enumerate
 * ops.KINDS and fail for a kind without one.
 *
 * Where JavaScript's arithmetic differs from Python's it is done Python's way: pow's special
 * cases (1 ** NaN is 1), max/min (the first argument unless the second is larger: NaN stays),
 * the modulo's sign, the truth of NaN (true in Python: `if local:`), sum() (compensated from
 * Python 3.12 on). Also here: Python's repr of a float and its "{x:.{p}g}" format, which the page
 * writes every number with (the engine's messages and draw's pictures use them).
 *
 * What it is not: a second engine. The page only recomputes what a change reaches; an op of the
 * user's own (Value.from_op) has no entry, and the page keeps the what-if off for what depends on it.
 */
const CHAINRULE_MIRROR = (function () {
  "use strict";

  const TINY = 2.2250738585072014e-308; // the smallest normal float (numerics.TINY)
  let compensated = false; // sum() as the Python that built the page adds (set by configure)

  class OpError extends Error {}
  const fail = (message) => {
    throw new OpError(message);
  };

  // ---------------------------------------------------------------- Python's floats in JavaScript

  /** repr(x) of a Python float: the shortest digits that read back as x, exponent past 1e16 or below 1e-4. */
  function repr(x) {
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const [m, e] = x.toExponential().split("e"); // shortest round-trip digits
    const sign = m[0] === "-" ? "-" : "";
    const digits = m.replace("-", "").replace(".", "");
    const exp = +e;
    if (exp < -4 || exp >= 16)
      return sign + digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" + (exp < 0 ? "-" : "+") +
        String(Math.abs(exp)).padStart(2, "0");
    if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
    if (digits.length <= exp + 1) return sign + digits + "0".repeat(exp + 1 - digits.length) + ".0";
    return sign + digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  }

  /** Python's f"{x:.{p}g}": p significant digits, rounded half to even on x's exact value. */
  function formatG(x, p) {
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    const sign = x < 0 || Object.is(x, -0) ? "-" : "";
    if (x === 0) return sign + "0";
    // x's exact decimal digits, far enough to tell a tie (a float differs from a p+1-digit decimal
    // within ~40 digits when it is not equal to it), then rounded half to even
    const s = Math.abs(x).toPrecision(100);
    let digits, exp;
    if (s.includes("e")) {
      const [m, e] = s.split("e");
      digits = m.replace(".", "");
      exp = +e;
    } else {
      const point = s.indexOf(".") < 0 ? s.length : s.indexOf(".");
      const all = s.replace(".", "");
      const lead = all.search(/[1-9]/);
      exp = point - lead - 1;
      digits = all.slice(lead);
    }
    let head = digits.slice(0, p);
    const rest = digits.slice(p);
    const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || +head[head.length - 1] % 2 === 1));
    if (up) {
      let k = head.length - 1;
      const a = head.split("");
      while (k >= 0 && a[k] === "9") a[k--] = "0";
      if (k < 0) {
        a.unshift("1");
        a.pop();
        exp += 1;
      } else a[k] = String(+a[k] + 1);
      head = a.join("");
    }
    const strip = (t) => (t.includes(".") ? t.replace(/0+$/, "").replace(/\.$/, "") : t);
    let out;
    if (exp < -4 || exp >= p) {
      out = strip(head.length > 1 ? head[0] + "." + head.slice(1) : head) + "e" + (exp < 0 ? "-" : "+") +
        String(Math.abs(exp)).padStart(2, "0");
    } else if (exp < 0) out = strip("0." + "0".repeat(-exp - 1) + head);
    else out = strip(head.slice(0, exp + 1) + "." + head.slice(exp + 1));
    return sign + out;
  }

  /** Python's float ** float (floatobject.c float_pow), or an error where Python raises one (`overflow`:
   * the message of an overflow, which Python raises as a bare OverflowError and numerics.power names). */
  function pow(a, n, overflow) {
    if (n === 0) return 1;
    if (Number.isNaN(a)) return a;
    if (Number.isNaN(n)) return a === 1 ? 1 : n;
    const odd = (w) => Math.abs(w) % 2 === 1;
    if (!Number.isFinite(n)) {
      const v = Math.abs(a);
      if (v === 1) return 1;
      return n > 0 === v > 1 ? Infinity : 0;
    }
    if (!Number.isFinite(a)) {
      if (n > 0) return odd(n) ? a : Math.abs(a);
      return odd(n) ? (a < 0 ? -0 : 0) : 0;
    }
    if (a === 0) {
      if (n < 0) fail("0.0 cannot be raised to a negative power"); // Python's ZeroDivisionError
      return odd(n) ? a : 0;
    }
    let negate = false;
    if (a < 0) {
      if (n !== Math.floor(n)) fail("a negative number to a fractional power is complex");
      a = -a;
      negate = odd(n);
    }
    if (a === 1) return negate ? -1 : 1;
    const r = Math.pow(a, n);
    if (!Number.isFinite(r)) fail(overflow || "(34, 'Numerical result out of range')");
    return negate ? -r : r;
  }
  /** pow where Python would overflow: ±inf instead (numerics.power_slope catches the OverflowError). */
  function powOrInf(a, n) {
    try {
      return pow(a, n, "");
    } catch (e) {
      if (!(e instanceof OpError)) throw e;
      return Infinity;
    }
  }
  const max = (a, b) => (b > a ? b : a); // Python's max(a, b)
  const min = (a, b) => (b < a ? b : a); // Python's min(a, b)
  const mod2 = (x) => {
    const m = x % 2; // Python's x % 2.0: the sign of the divisor
    return m !== 0 && m < 0 ? m + 2 : m;
  };

  /** Python's sum(items, start): left to right; from 3.12 on, Neumaier's compensated sum (bltinmodule.c). */
  function sum(items, start) {
    let i = 0;
    let f;
    if (start === undefined) {
      if (!items.length) return 0;
      f = 0 + items[0]; // sum() starts from the int 0
      i = 1;
    } else f = start;
    if (!compensated) {
      for (; i < items.length; i++) f = f + items[i];
      return f;
    }
    let c = 0;
    for (; i < items.length; i++) {
      const x = items[i];
      const t = f + x;
      if (Math.abs(f) >= Math.abs(x)) c += f - t + x;
      else c += x - t + f;
      f = t;
    }
    if (c !== 0 && Number.isFinite(c)) f += c;
    return f;
  }

  // ---------------------------------------------------------------- numerics.py

  function exp(x) {
    const e = Math.exp(x);
    if (e === Infinity && Number.isFinite(x)) fail("op 'exp': exp(" + repr(x) + ") overflows a float (x > 709.78)");
    return e;
  }

  /** numerics.power: aⁿ, or the engine's error. */
  function power(a, n, exponentIsAValue) {
    if (exponentIsAValue) {
      if (n !== n) return a === 1 ? 1 : n;
      if (a < 0 || (a === 0 && !(n > 0)))
        fail("op '**': " + repr(a) + " ** Value(" + repr(n) + ") needs a base > 0 (∂/∂b = aᵇ·ln a is undefined)");
    } else if (a === 0 && n < 0) fail("op '**': 0.0 ** " + repr(n) + " is undefined (0 to a negative power)");
    else if (a < 0 && Number.isFinite(n) && !Number.isInteger(n))
      fail("op '**': (" + repr(a) + ") ** " + repr(n) + " is not a real number (negative base, fractional exponent)");
    return pow(a, n, "op '**': " + repr(a) + " ** " + repr(n) + " overflows a float");
  }

  function sech2(x) {
    const e = Math.exp(-2 * Math.abs(x));
    const p = 1 + e;
    return (4 * e) / (p * p);
  }

  /** numerics.power_slope on floats: d(aⁿ)/da = n·aⁿ⁻¹ given out = aⁿ. */
  function powerSlope(a, n, out) {
    if (n === 0) return 0;
    if (a === 0) {
      if (n !== n || n <= 1) return n !== n ? n : n < 1 ? Infinity : 1;
      return 0;
    }
    if (!(Number.isFinite(a) && Number.isFinite(n))) return n * powOrInf(a, n - 1);
    if (Math.abs(out) >= TINY) {
      let d = (out / a) * n;
      if (Math.abs(n) < 1 && !Number.isFinite(d)) d = (n * out) / a;
      return d;
    }
    const negative = n < 0 !== (a < 0 && mod2(n - 1) === 1);
    const h = powOrInf(Math.abs(a), (n - 1) * 0.5) * Math.sqrt(Math.abs(n));
    return negative ? -(h * h) : h * h;
  }

  /** numerics.power_log_slope on floats: d(aᵇ)/db = aᵇ·ln a given out = aᵇ. */
  function powerLogSlope(a, b, out) {
    if (out !== out) return out;
    if (a === 0) return 0;
    if (Math.abs(out) >= TINY) return out * Math.log(a);
    const h = powOrInf(a, b * 0.5);
    return h * (h * Math.log(a));
  }

  // ---------------------------------------------------------------- the ops: kind → (parents' data, params, node) → [value, locals]

  /** maximum's and minimum's node (value.py _pick). */
  function pick(a, b, aWins) {
    if (aWins) return [a, [1, 0]];
    const nan = a + b;
    return nan === nan ? [b, [0, 1]] : [nan, [nan, nan]];
  }

  /** Σwx+b and Σwx: parents (w…, x…[, b]), locals (x…, w…[, 1]); b + w₁x₁ + w₂x₂ + … (fused.weighted_sums). */
  function weighted(x, bias) {
    const n = (x.length - (bias ? 1 : 0)) / 2;
    const w = x.slice(0, n);
    const xs = x.slice(n, 2 * n);
    const z = sum(w.map((wi, k) => wi * xs[k]), bias ? x[2 * n] : undefined);
    return [z, xs.concat(w, bias ? [1] : [])];
  }

  /** Σwc+b and Σwc: parents (w…[, b]), locals (c…[, 1]): the constants are the node's own first locals. */
  function constants(x, bias, node) {
    const n = x.length - (bias ? 1 : 0);
    const c = node.locals0.slice(0, n);
    const z = sum(x.slice(0, n).map((wi, k) => wi * c[k]), bias ? x[n] : undefined);
    return [z, c.concat(bias ? [1] : [])];
  }

  /** σ(x) and σ(−x), each to full precision (numerics.sigmoids). */
  function sigmoids(x) {
    const e = Math.exp(-Math.abs(x));
    const p = 1 + e;
    return x >= 0 ? [1 / p, e / p] : [e / p, 1 / p];
  }
  /** ln(1 + eˣ) as max(x, 0) + ln(1 + e^−|x|) (numerics.softplus). */
  const softplus = (x) => (x > 0 ? x : x === x ? 0 : x) + Math.log1p(Math.exp(-Math.abs(x)));

  const KINDS = {
    "+": ([a, b]) => [a + b, [1, 1]],
    "-": ([a, b]) => [a - b, [1, -1]],
    "*": ([a, b]) => [a * b, [b, a]],
    "/": ([a, b]) => {
      if (b === 0) {
        if (a === a) fail("op '/': division by zero (" + repr(a) + " / " + repr(b) + ")");
        return [a, [a, a]];
      }
      const q = a / b;
      return [q, [1 / b, -q / b]];
    },
    "**": ([a, b]) => {
      const out = power(a, b, true);
      return [out, [powerSlope(a, b, out), powerLogSlope(a, b, out)]];
    },
    "**n": ([a], p) => {
      const out = power(a, p.exponent, false);
      return [out, [powerSlope(a, p.exponent, out)]];
    },
    neg: ([a]) => [-a, [-1]],
    exp: ([a]) => {
      const e = exp(a);
      return [e, [e]];
    },
    log: ([a]) => {
      if (a <= 0) fail("op 'log': log(" + repr(a) + ") is undefined (log needs x > 0)");
      return [Math.log(a), [1 / a]];
    },
    sqrt: ([a]) => {
      if (a < 0) fail("op 'sqrt': sqrt(" + repr(a) + ") is undefined (sqrt needs x ≥ 0)");
      const r = Math.sqrt(a);
      return [r, [r !== 0 ? 0.5 / r : Infinity]];
    },
    abs: ([a]) => [Math.abs(a), [a > 0 ? 1 : a < 0 ? -1 : a * 0]],
    tanh: ([a]) => {
      const t = Math.tanh(a);
      return [t, [-0.7 < t && t < 0.7 ? 1 - t * t : sech2(a)]];
    },
    sigmoid: ([a]) => {
      const e = Math.exp(-Math.abs(a));
      const p = 1 + e;
      const [s, r] = a >= 0 ? [1 / p, e / p] : [e / p, 1 / p];
      return [s, [s * r]];
    },
    relu: ([a]) => (a > 0 ? [a, [1]] : a === a ? [0, [0]] : [a, [a]]),
    softplus: ([a]) => {
      const e = Math.exp(-Math.abs(a));
      const p = 1 + e;
      return [max(a, 0) + Math.log1p(e), [a >= 0 ? 1 / p : e / p]];
    },
    log_sigmoid: ([a]) => {
      const e = Math.exp(-Math.abs(a));
      const p = 1 + e;
      return [min(a, 0) - Math.log1p(e), [a >= 0 ? e / p : 1 / p]];
    },
    clamp: ([a], p) => {
      const d = p.lo < a && a < p.hi ? 1 : a === a ? 0 : a;
      return [a === a ? min(max(a, p.lo), p.hi) : a, [d]];
    },
    maximum: ([a, b]) => pick(a, b, a > b),
    minimum: ([a, b]) => pick(a, b, a < b),
    "Σwx+b": (x) => weighted(x, true),
    "Σwx": (x) => weighted(x, false),
    "Σwc+b": (x, p, node) => constants(x, true, node),
    "Σwc": (x, p, node) => constants(x, false, node),
    "Σ": (x) => [sum(x), x.map(() => 1)],
    mse: (a, p) => {
      const diffs = a.map((ai, k) => ai - p.targets[k]);
      return [sum(diffs.map((d) => d * d)) / (2 * p.m), diffs.map((d) => d / p.m)];
    },
    // where from_logit[k] (a sigmoid output), term k and ∂J/∂aₖ from the logit: logit(k), the data of
    // the parent of parent k (fused.cross_entropy); elsewhere the probability, clipped
    cross_entropy: (a, p, node, logit) => {
      let J = 0;
      const grads = [];
      a.forEach((pk, k) => {
        const y = p.targets[k];
        if (p.from_logit && p.from_logit[k]) {
          const t = logit(k);
          if (y) J += y * softplus(-t);
          if (y !== 1) J += (1 - y) * softplus(t);
          let d = 0;
          if (y) d = d - y * (1 + Math.exp(-t));
          if (y !== 1) d = d + (1 - y) * (1 + Math.exp(t));
          grads.push(d / p.m);
          return;
        }
        if (pk !== pk) {
          J += pk;
          grads.push(pk);
          return;
        }
        if (!(0 <= pk && pk <= 1))
          fail("cross_entropy: outputs must be in [0, 1] (probabilities), got " + repr(pk) +
            "; use a sigmoid output layer, or pass the logits with from_logits=True");
        pk = min(max(pk, p.clip), 1 - p.clip);
        if (y) J -= y * Math.log(pk);
        if (y !== 1) J -= (1 - y) * Math.log(1 - pk);
        grads.push(-(y / pk - (1 - y) / (1 - pk)) / p.m);
      });
      return [J / p.m, grads];
    },
    sigmoid_cross_entropy: (z, p) => {
      let J = 0;
      const grads = z.map((t, k) => {
        const y = p.targets[k];
        const [s, r] = sigmoids(t);
        if (y) J += y * softplus(-t);
        if (y !== 1) J += (1 - y) * softplus(t);
        return ((1 - y) * s - y * r) / p.m;
      });
      return [J / p.m, grads];
    },
    hinge: (a, p) => {
      let J = 0;
      const grads = a.map((ak, k) => {
        const y = p.targets[k];
        const margin = 1 - y * ak;
        if (margin > 0) {
          J += margin;
          return -y / p.m;
        }
        if (margin === margin) return 0;
        J += margin;
        return margin;
      });
      return [J / p.m, grads];
    },
    softmax_cross_entropy: (a, p) => {
      let J = 0;
      const grads = [];
      for (let i = 0; i < p.m * p.k; i += p.k) {
        const logits = a.slice(i, i + p.k);
        const ys = p.targets.slice(i, i + p.k);
        let top = 0; // the first largest logit, as Python's max() keeps it
        logits.forEach((t, j) => {
          if (t > logits[top]) top = j;
        });
        const exps = logits.map((t) => Math.exp(t - logits[top])); // exps[top] = 1
        const others = sum(exps.filter((e, j) => j !== top));
        const norm = 1 + others;
        const logNorm = Math.log1p(others);
        logits.forEach((t, j) => {
          if (ys[j]) J += ys[j] * (logNorm + (logits[top] - t)); // −yⱼ ln pⱼ
        });
        const totalY = sum(ys);
        exps.forEach((e, j) => {
          const rest = j === top ? others : norm - e; // Σ_{i≠j} eᵢ: 1 − pⱼ summed, not subtracted
          grads.push(((e / norm) * (totalY - ys[j]) - ys[j] * (rest / norm)) / p.m);
        });
      }
      return [J / p.m, grads];
    },
    l2: (w, p) => [(p.lam / (2 * p.m)) * sum(w.map((v) => v * v)), w.map((v) => (p.lam * v) / p.m)],
    // a transformer's n-to-n ops: this node is output number `index`, every input its parent
    rmsnorm: (x, p) => {
      const n = x.length;
      const s = pow(sum(x.map((v) => v * v)) / n + p.eps, -0.5);
      const ys = x.map((v) => v * s);
      const yi = ys[p.index];
      return [yi, ys.map((yj, j) => (j === p.index ? s * (1 - (yi * yi) / n) : -(s * ((yi * yj) / n))))];
    },
    softmax: (l, p) => {
      const d = p.divisor;
      const scaled = l.map((v) => v / d);
      const top = scaled.reduce((m, t) => max(m, t));
      const exps = scaled.map((v) => Math.exp(v - top));
      const norm = sum(exps);
      const alphas = exps.map((e) => e / norm);
      const a = alphas[p.index];
      return [a, alphas.map((b, s) => (s === p.index ? (a * (1 - a)) / d : -(a * b) / d))];
    },
  };

  return {
    /** The kinds of op this page can recompute. */
    kinds: () => Object.keys(KINDS),
    has: (kind) => Object.prototype.hasOwnProperty.call(KINDS, kind),
    /** [value, local derivatives] of an op of `kind` on its parents' data `x`; throws OpError with the engine's
     * message. `logit(k)`: the data of parent k's own first parent (a sigmoid output's logit, which the
     * cross-entropy reads where params.from_logit[k]). */
    apply: (kind, x, params, node, logit) => KINDS[kind](x, params || {}, node, logit),
    OpError,
    repr,
    formatG,
    sum,
    configure: (options) => {
      compensated = !!options.compensatedSum;
    },
  };
})();
