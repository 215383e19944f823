package controller

import (
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// jitter returns d plus up to 10% more, so that resources created together do not poll
// SailPoint together.
func jitter(d time.Duration) time.Duration { return wait.Jitter(d, 0.1) }
