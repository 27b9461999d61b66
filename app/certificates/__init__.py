"""Certificates: giấy chứng nhận and giấy khen as PDF (reportlab), their serials,
revocation and the public verification page."""
