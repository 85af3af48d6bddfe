package view

import (
	"github.com/lambdaobs/lambdaobs/dashboard"
	"github.com/lambdaobs/lambdaobs/dashboard/internal/board"
)

// Statistic is statistic, for the package's tests.
func Statistic(stat string, values []float64) float64 { return statistic(stat, values) }

// Widgets returns the number of widgets of d, for the package's tests.
func Widgets(d *dashboard.Dashboard) int { return len(board.DashboardOf(d).Widgets) }
