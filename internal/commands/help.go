package commands

import (
	"context"
	"strings"
	"unicode/utf8"
)

// runHelp shows every verb, or one verb's help; an unknown verb gets the
// full list with a suggestion.
func (s *Service) runHelp(_ context.Context, inv *invocation) result {
	if len(inv.args) == 0 {
		return reply(Ephemeral, Reply{Help: &HelpView{Verbs: s.Verbs()}})
	}
	name := strings.ToLower(inv.args[0].text)
	if v := s.byName[name]; v != nil {
		h := v.help()
		return reply(Ephemeral, Reply{Help: &HelpView{Verb: &h}})
	}
	return s.unknownVerb(name)
}

// unknownVerb answers a verb that is not in the registry with the list of
// verbs and, if one is close enough to be a typo, a suggestion.
func (s *Service) unknownVerb(typed string) result {
	names := make([]string, len(s.verbs))
	for i, v := range s.verbs {
		names[i] = v.Name
	}
	res := reply(Ephemeral, Reply{Help: &HelpView{
		Verbs:      s.Verbs(),
		Unknown:    typed,
		Suggestion: closest(typed, names),
	}})
	res.outcome = OutcomeInvalid
	return res
}

// closest returns the candidate nearest to typed if it is near enough to be
// a typo: within one edit for short words, a third of the length for longer
// ones. Ties go to the earlier candidate.
func closest(typed string, candidates []string) string {
	n := utf8.RuneCountInString(typed)
	if n == 0 || n > 64 {
		return ""
	}
	limit := max(1, n/3)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := editDistance(typed, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent runes
// each cost 1, so "stauts" is one edit from "status".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rolling rows: i-2, i-1, i.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
