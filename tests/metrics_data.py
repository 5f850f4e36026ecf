"""Shared inputs of the metric tests (hand-computed values live next to each test)."""

import numpy as np

# Binary: true [0, 0, 1, 1], pred [0.1, 0.4, 0.35, 0.8]
B_TRUE = [0, 0, 1, 1]
B_PRED = [0.1, 0.4, 0.35, 0.8]

# Multiclass: true [0, 1, 2, 2]; argmax of pred rows = [0, 2, 2, 1]
MC_TRUE = [0, 1, 2, 2]
MC_PRED = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]]

# Multilabel: thresholded pred = [[1,0],[0,1],[1,0],[1,1]]
ML_TRUE = [[1, 0], [0, 1], [1, 1], [0, 0]]
ML_PRED = [[0.9, 0.2], [0.4, 0.6], [0.6, 0.3], [0.6, 0.7]]

# Regression: errors [0.5, 0, -1, 1]
R_TRUE = [1.0, 2.0, 3.0, 4.0]
R_PRED = [1.5, 2.0, 2.0, 5.0]

# Ranking, k = 3:
#   row0 true {1,2}        pred [1,5,2]  hits [1,0,1]
#   row1 true {7}          pred [3,4,7]  hits [0,0,1]
#   row2 true {8,9,10,11}  pred [9,6,12] hits [1,0,0]
RK_TRUE = [[1, 2], {7}, np.array([8, 9, 10, 11])]
RK_PRED = np.array([[1, 5, 2], [3, 4, 7], [9, 6, 12]])
