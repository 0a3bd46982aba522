package imagebuild

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestParsePlatforms(t *testing.T) {
	g := NewWithT(t)
	ps, err := ParsePlatforms("linux/amd64, linux/arm64")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ps).To(Equal(DefaultPlatforms), "arm64 is v8 unless told")
	ps, err = ParsePlatforms("linux/arm/v7")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ps).To(Equal([]Platform{{OS: "linux", Architecture: "arm", Variant: "v7"}}))
	g.Expect(ps[0].String()).To(Equal("linux/arm/v7"))
	for _, bad := range []string{"", "amd64", "linux/", "linux/arm/v7/x", "windows/amd64"} {
		_, err := ParsePlatforms(bad)
		g.Expect(err).To(HaveOccurred(), bad)
	}
}

func TestSourceDateEpoch(t *testing.T) {
	g := NewWithT(t)
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	got, err := SourceDateEpoch(getenv)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(time.Unix(0, 0).UTC()), "unset: 1970, never the build's time")
	env["SOURCE_DATE_EPOCH"] = "1777777777"
	got, err = SourceDateEpoch(getenv)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(Equal(time.Date(2026, 5, 3, 3, 9, 37, 0, time.UTC)))
	env["SOURCE_DATE_EPOCH"] = "yesterday"
	_, err = SourceDateEpoch(getenv)
	g.Expect(err).To(MatchError(ContainSubstring("SOURCE_DATE_EPOCH")))
}
