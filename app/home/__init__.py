"""Pages that gather several features for one person. Today: the student's home (the
rounds open to the student, the results, the certificates), which reads quiz and
certificates and so lives outside both."""
