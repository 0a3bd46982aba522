// Package selfcontained checks that the repository stands alone: a user clones it by
// itself, so no build, test, script or document may refer to a path outside it. Its
// test scans every file of the repository (see selfcontained_test.go for the rules and
// what is allowed).
package selfcontained
