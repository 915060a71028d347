"""A Gaussian hidden Markov model fitted to one track: pure numpy, deterministic.

The movement states of a vessel (lying still, working gear, steaming) persist for minutes to
hours, and each has its own speed and turning; an HMM finds them in each track on its own
(Baum-Welch), as moveHMM does for the creel boats of Mendo et al. 2019, instead of applying
thresholds fitted to other vessels. Emissions are independent Gaussians per feature (diagonal
covariance). A track may hold several sequences (pieces cut at silences): each starts afresh
from the initial distribution, all share the parameters.

Determinism: the start is fixed (state means at quantiles of the first feature), there is no
random restart, and the iterations are a fixed maximum with a fixed tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
States = npt.NDArray[np.intp]

# No state's spread may shrink under this (in feature units): a state that collapses on a few
# identical values (a vessel reporting exactly 0.0 kn) would otherwise take infinite likelihood.
MIN_VARIANCE = 1e-3
# Each state is expected to last several fixes: the start of the fit, not a constraint.
STAY_PROBABILITY = 0.9
# Probabilities never reach zero, so no state or transition is lost for good in one iteration.
FLOOR = 1e-6


@dataclass(frozen=True, slots=True)
class GaussianHmm:
    """Parameters: ``means`` and ``variances`` are (states, features), ``transitions`` is
    (states, states) row-stochastic, ``initial`` the state distribution at a sequence start."""

    means: Floats
    variances: Floats
    transitions: Floats
    initial: Floats


def initial_model(obs: Floats, n_states: int) -> GaussianHmm:
    """The fixed starting point: state k's means at the (k + 0.5) / n quantile of each
    feature ordered by the first feature (slow to fast), the spread of the data shared."""
    order = np.argsort(obs[:, 0], kind="stable")
    chunks = np.array_split(order, n_states)
    means = np.array([obs[c].mean(axis=0) if len(c) else obs.mean(axis=0) for c in chunks])
    spread = np.maximum(obs.var(axis=0) / n_states, MIN_VARIANCE)
    variances = np.tile(spread, (n_states, 1))
    leave = (1.0 - STAY_PROBABILITY) / max(n_states - 1, 1)
    transitions = np.full((n_states, n_states), leave)
    np.fill_diagonal(transitions, STAY_PROBABILITY if n_states > 1 else 1.0)
    initial = np.full(n_states, 1.0 / n_states)
    return GaussianHmm(means, variances, transitions, initial)


def _emission(obs: Floats, model: GaussianHmm) -> tuple[Floats, Floats]:
    """Per-fix emission likelihoods scaled so each row's largest is 1, and the log scale."""
    diff = obs[:, None, :] - model.means[None, :, :]
    log_b = -0.5 * np.sum(
        diff * diff / model.variances[None] + np.log(2 * np.pi * model.variances[None]), axis=2
    )
    top = log_b.max(axis=1)
    return np.exp(log_b - top[:, None]), top


def _forward_backward(
    b: Floats, starts: Bools, model: GaussianHmm
) -> tuple[Floats, Floats, Floats]:
    """Scaled forward and backward variables and the scale of each step."""
    n, k = b.shape
    a, pi = model.transitions, model.initial
    alpha = np.empty((n, k))
    scale = np.empty(n)
    prev = pi
    for t in range(n):
        row = (pi if starts[t] else prev @ a) * b[t]
        c = row.sum()
        scale[t] = c if c > 0 else 1e-300
        prev = alpha[t] = row / scale[t]
    beta = np.empty((n, k))
    beta[n - 1] = 1.0
    for t in range(n - 2, -1, -1):
        if starts[t + 1]:
            beta[t] = 1.0
        else:
            beta[t] = a @ (b[t + 1] * beta[t + 1]) / scale[t + 1]
    return alpha, beta, scale


def fit_hmm(
    obs: Floats, starts: Bools, n_states: int, iterations: int = 40, tolerance: float = 1e-4
) -> GaussianHmm:
    """Baum-Welch from ``initial_model``: ``obs`` is (fixes, features), all finite;
    ``starts`` marks the first fix of each sequence (``starts[0]`` must be set)."""
    model = initial_model(obs, n_states)
    if len(obs) < 2 * n_states:
        return model
    previous = -np.inf
    follows = ~starts[1:]  # transitions counted only within a sequence
    for _ in range(iterations):
        b, top = _emission(obs, model)
        alpha, beta, scale = _forward_backward(b, starts, model)
        log_likelihood = float(np.sum(np.log(scale)) + np.sum(top))
        gamma = alpha * beta
        gamma /= gamma.sum(axis=1, keepdims=True)
        nxt = (b[1:] * beta[1:]) / scale[1:, None]
        xi = np.einsum("ti,ij,tj->ij", alpha[:-1][follows], model.transitions, nxt[follows])
        transitions = np.maximum(xi, FLOOR)
        transitions /= transitions.sum(axis=1, keepdims=True)
        initial = np.maximum(gamma[starts].sum(axis=0), FLOOR)
        initial /= initial.sum()
        weight = np.maximum(gamma.sum(axis=0), 1e-12)
        means = (gamma.T @ obs) / weight[:, None]
        sq = (gamma.T @ (obs * obs)) / weight[:, None] - means * means
        variances = np.maximum(sq, MIN_VARIANCE)
        model = GaussianHmm(means, variances, transitions, initial)
        if log_likelihood - previous < tolerance * max(1.0, abs(log_likelihood)):
            break
        previous = log_likelihood
    return model


def most_likely_states(obs: Floats, starts: Bools, model: GaussianHmm) -> States:
    """Viterbi path: the single most likely sequence of states, per sequence."""
    n, k = len(obs), len(model.initial)
    b, _ = _emission(obs, model)
    log_b = np.log(np.maximum(b, 1e-300))
    log_a = np.log(model.transitions)
    log_pi = np.log(model.initial)
    back = np.zeros((n, k), dtype=np.intp)
    scores = np.empty((n, k))
    for t in range(n):
        if starts[t]:
            scores[t] = log_pi + log_b[t]
        else:
            cand = scores[t - 1][:, None] + log_a
            back[t] = np.argmax(cand, axis=0)
            scores[t] = cand[back[t], np.arange(k)] + log_b[t]
    path = np.empty(n, dtype=np.intp)
    state = int(np.argmax(scores[n - 1])) if n else 0
    for t in range(n - 1, -1, -1):
        path[t] = state
        # At a sequence start, the previous sequence ends at t - 1: its own best last state.
        state = int(back[t, state]) if not starts[t] else int(np.argmax(scores[t - 1 if t else 0]))
    return path
