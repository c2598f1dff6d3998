//go:build race

package engine_test

// pullRace shrinks the pull round trip under the race detector, which makes
// it about thirty times slower.
const pullRace = true
