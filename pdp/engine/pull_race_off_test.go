//go:build !race

package engine_test

const pullRace = false
