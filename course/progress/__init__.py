"""Watch progress: the set of seconds actually watched per learner and lesson."""
