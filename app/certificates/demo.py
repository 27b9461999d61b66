"""Demo certificate templates: the Sở's quiz contest and its published poster and
model contest, ready for the officer to issue certificates from the results."""
from app.certificates import services


def load_demo_templates(*owners):
    templates = []
    for owner in owners:
        template = services.default_template(owner)
        templates.append(services.save_template(None, owner, template, {
            "signer_title": "KT. Giám đốc\nPhó Giám đốc", "signer_name": "Nguyễn Thanh Bình",
            "reference": f"Quyết định khen thưởng số 1588/QĐ-SGDĐT, năm học {owner.school_year}-{owner.school_year + 1}",
        }))
    return templates
