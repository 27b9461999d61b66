"""Corrections: a question found wrong after students answered it. Students and staff
report it; the staff of the bank's unit correct the key, accept several answers or
void the question, see beforehand what it would change in every round and contest
that drew it (a dry run), and apply it: attempts regraded from their stored
responses, rankings and prizes stored again, participation recounted, certificates
revoked and reissued, and a public note on the results pages."""
