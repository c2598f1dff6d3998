package scenario

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/pdpx/pdpx/pdp"
)

// FileResults is the results of one scenario file.
type FileResults struct {
	Path    string
	Results []Result
}

// Counts returns how many results passed and failed, and how many of the
// failures were errors (no decision) rather than a wrong decision.
func Counts(all []FileResults) (passed, failed, errors int) {
	for _, f := range all {
		for _, r := range f.Results {
			switch {
			case r.Pass:
				passed++
			default:
				failed++
				if r.Decision.Outcome == pdp.Error {
					errors++
				}
			}
		}
	}
	return passed, failed, errors
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr"`
	Line      int           `xml:"line,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.6f", d.Seconds()) }

// WriteJUnit writes the results as JUnit XML, the report format CI systems
// read: a suite per file, a case per check. A wrong decision is a
// <failure>; an error where a decision was expected is an <error>.
func WriteJUnit(w io.Writer, all []FileResults) error {
	var top junitSuites
	var total time.Duration
	for _, f := range all {
		s := junitSuite{Name: f.Path}
		var st time.Duration
		for _, r := range f.Results {
			jc := junitCase{Name: r.Case.Name, Classname: f.Path, File: f.Path, Line: r.Case.Line, Time: seconds(r.Decision.Latency)}
			st += r.Decision.Latency
			if !r.Pass {
				p := &junitProblem{Message: r.Why, Type: "mismatch", Text: detail(r)}
				if r.Decision.Outcome == pdp.Error {
					p.Type = "error"
					jc.Error = p
					s.Errors++
				} else {
					jc.Failure = p
					s.Failures++
				}
			}
			s.Cases = append(s.Cases, jc)
		}
		s.Tests = len(f.Results)
		s.Time = seconds(st)
		total += st
		top.Tests += s.Tests
		top.Failures += s.Failures
		top.Errors += s.Errors
		top.Suites = append(top.Suites, s)
	}
	top.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(top); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// detail is the body of a JUnit failure: the check and what came back.
func detail(r Result) string {
	s := fmt.Sprintf("line %d: %s\ncheck: %s\noutcome: %s", r.Case.Line, r.Why, r.Case.Check.String(), r.Decision.Outcome)
	if codes := Codes(r.Decision); len(codes) > 0 {
		s += fmt.Sprintf("\ncodes: %v", codes)
	}
	return s
}

// JSONCheck is one check's result in `pdpx test --json`.
type JSONCheck struct {
	Name       string   `json:"name"`
	Line       int      `json:"line"`
	Check      string   `json:"check"`
	Expect     string   `json:"expect"`
	ExpectCode string   `json:"expect_code,omitempty"`
	Outcome    string   `json:"outcome"`
	Codes      []string `json:"codes,omitempty"`
	Pass       bool     `json:"pass"`
	Why        string   `json:"why,omitempty"`
	Error      string   `json:"error,omitempty"`
	LatencyMS  float64  `json:"latency_ms"`
}

// JSONFile is one file's results in `pdpx test --json`.
type JSONFile struct {
	File   string      `json:"file"`
	Checks []JSONCheck `json:"checks"`
}

// JSONReport is the whole of `pdpx test --json`.
type JSONReport struct {
	Target string     `json:"target"`
	Passed int        `json:"passed"`
	Failed int        `json:"failed"`
	Files  []JSONFile `json:"files"`
}

// NewJSONReport builds the JSON report of a run on the target named target.
func NewJSONReport(target string, all []FileResults) JSONReport {
	rep := JSONReport{Target: target, Files: []JSONFile{}}
	rep.Passed, rep.Failed, _ = Counts(all)
	for _, f := range all {
		jf := JSONFile{File: f.Path, Checks: []JSONCheck{}}
		for _, r := range f.Results {
			jf.Checks = append(jf.Checks, JSONCheck{
				Name: r.Case.Name, Line: r.Case.Line, Check: r.Case.Check.String(),
				Expect: r.Case.Expect.String(), ExpectCode: r.Case.ExpectCode,
				Outcome: r.Decision.Outcome.String(), Codes: Codes(r.Decision),
				Pass: r.Pass, Why: r.Why, Error: r.Decision.ErrorText(),
				LatencyMS: float64(r.Decision.Latency.Microseconds()) / 1000,
			})
		}
		rep.Files = append(rep.Files, jf)
	}
	return rep
}

// WriteJSON writes NewJSONReport(target, all), indented.
func WriteJSON(w io.Writer, target string, all []FileResults) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(NewJSONReport(target, all))
}
