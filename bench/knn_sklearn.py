"""scikit-learn side of `dotnet run -c Release --project bench/Nona.Bench -- knn` (bench/README.md).

Reads the case the C# side wrote (float64 little-endian: n training rows, then q query rows, of d features; then n
labels), and times what KnnRegressor does with its default options: standardise with the training rows' mean and
sd, choose k in {3, 5, 7}, p in {1, 2}, weights in {uniform, distance} by 5-fold contiguous cross-validated MSE
(GridSearchCV, KFold without shuffling), refit on all training rows, predict the queries. KNeighborsRegressor
uses algorithm="brute", as ours is brute force; its distance kernels use all cores (OpenMP) by default.

GridSearchCV searches neighbours again for every candidate of every fold. Ours searches once per (fold, p) and reads
every k and weighting from that list, so a second timing ("shared") does the same with scikit-learn's own search:
NearestNeighbors.kneighbors once per (fold, p) with the largest k, every candidate scored from it (weights as
KNeighborsRegressor's), then the chosen candidate refitted and predicted as above. Comparing ours with both separates
the work the shared search saves from the speed of the search itself.

Prints one JSON line (seconds, params, cv_mse; shared_seconds, shared_params, shared_cv_mse) and writes GridSearchCV's
predictions to OUT (float64 little-endian).
"""

import json
import sys
import time

import numpy as np
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsRegressor, NearestNeighbors
from sklearn.preprocessing import StandardScaler


KS = [3, 5, 7]
PS = [1, 2]
WEIGHTS = ["uniform", "distance"]


def estimate(distances, labels, k, weights):
    """KNeighborsRegressor.predict from the first k sorted neighbours (its _get_weights rule for distance 0)."""
    d = distances[:, :k]
    y = labels[:, :k]
    if weights == "uniform":
        return y.mean(axis=1)
    with np.errstate(divide="ignore"):
        w = 1.0 / d
    inf_mask = np.isinf(w)
    inf_row = np.any(inf_mask, axis=1)
    w[inf_row] = inf_mask[inf_row]
    return (w * y).sum(axis=1) / w.sum(axis=1)


def shared(train, labels, queries):
    """The grid from one kneighbors call per (fold, p), in GridSearchCV's candidate order and tie rule."""
    scaler = StandardScaler().fit(train)
    x = scaler.transform(train)
    # GridSearchCV's order: keys sorted (n_neighbors, p, weights), the last varying fastest.
    candidates = [(k, p, w) for k in KS for p in PS for w in WEIGHTS]
    scores = {c: [] for c in candidates}
    for fit_rows, val_rows in KFold(5).split(x):
        for p in PS:
            search = NearestNeighbors(n_neighbors=max(KS), algorithm="brute", p=p).fit(x[fit_rows])
            distances, rows = search.kneighbors(x[val_rows])
            neighbour_labels = labels[fit_rows][rows]
            for k in KS:
                for w in WEIGHTS:
                    error = estimate(distances, neighbour_labels, k, w) - labels[val_rows]
                    scores[(k, p, w)].append(np.mean(error * error))
    means = [np.mean(scores[c]) for c in candidates]
    k, p, w = candidates[int(np.argmin(means))]
    model = KNeighborsRegressor(n_neighbors=k, p=p, weights=w, algorithm="brute").fit(x, labels)
    predictions = model.predict(scaler.transform(queries))
    return {"n_neighbors": k, "p": p, "weights": w}, float(min(means)), predictions


def main(path, n, q, d, out):
    values = np.fromfile(path, dtype="<f8")
    train = values[: n * d].reshape(n, d)
    queries = values[n * d : (n + q) * d].reshape(q, d)
    labels = values[(n + q) * d :]
    assert labels.shape == (n,)

    start = time.perf_counter()
    scaler = StandardScaler().fit(train)
    grid = GridSearchCV(
        KNeighborsRegressor(algorithm="brute"),
        {"n_neighbors": KS, "p": PS, "weights": WEIGHTS},
        cv=KFold(5),
        scoring="neg_mean_squared_error",
    ).fit(scaler.transform(train), labels)
    predictions = grid.predict(scaler.transform(queries))
    seconds = time.perf_counter() - start

    start = time.perf_counter()
    shared_params, shared_mse, shared_predictions = shared(train, labels, queries)
    shared_seconds = time.perf_counter() - start
    # Same choice, same neighbours: the shared path must give GridSearchCV's predictions, else its time means nothing.
    assert shared_params == grid.best_params_, (shared_params, grid.best_params_)
    assert np.allclose(shared_predictions, predictions, rtol=0, atol=1e-9)

    predictions.astype("<f8").tofile(out)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "params": grid.best_params_,
                "cv_mse": -grid.best_score_,
                "shared_seconds": shared_seconds,
                "shared_params": shared_params,
                "shared_cv_mse": shared_mse,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
