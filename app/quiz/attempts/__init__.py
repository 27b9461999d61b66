"""Taking a round: start, save an answer, submit, deadlines and grading. Blueprint
`attempts`."""
