"""What a project's records hold of the attachments a 报备 package needs (``engine.baobei.ATTACHMENTS``,
docs/baobei.md "Required attachments"), for ``services.baobei``: the names of the files attached to its
review opinions and to its acceptance records, and the count of records of each kind (a submitted plan
version, passed review rounds, site photos, 管护 agreements)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landcon.engine import baobei as B
from landcon.store.models import (
    Acceptance,
    AcceptanceAttachment,
    CareAgreement,
    OpinionAttachment,
    ReviewOpinion,
    ReviewRound,
    SitePhoto,
    SubProject,
)


def attachment_names(session: Session, project_id: int) -> list[str]:
    """File names attached to the project's review opinions and acceptance records, sorted, once each."""
    rounds = select(ReviewRound.id).where(ReviewRound.project_id == project_id)
    names = session.scalars(
        select(OpinionAttachment.name)
        .join(ReviewOpinion, OpinionAttachment.opinion_id == ReviewOpinion.id)
        .where(ReviewOpinion.round_id.in_(rounds))
        .union(
            select(AcceptanceAttachment.name)
            .join(Acceptance, AcceptanceAttachment.acceptance_id == Acceptance.id)
            .where(Acceptance.project_id == project_id)
        )
    ).all()
    return sorted(set(names))


def record_counts(session: Session, project_id: int) -> dict[str, int]:
    """Records by kind (``engine.baobei.RECORD_*``); the plan version is there once the plan is approved."""
    passed = session.scalar(
        select(func.count()).where(ReviewRound.project_id == project_id, ReviewRound.outcome == "passed")
    )
    photos = session.scalar(
        select(func.count())
        .select_from(SitePhoto)
        .join(SubProject, SitePhoto.sub_project_id == SubProject.id)
        .where(SubProject.project_id == project_id)
    )
    agreements = session.scalar(select(func.count()).where(CareAgreement.project_id == project_id))
    return {
        B.RECORD_PLAN: 1,
        B.RECORD_APPROVAL: int(passed or 0),
        B.RECORD_PHOTOS: int(photos or 0),
        B.RECORD_AFTERCARE: int(agreements or 0),
    }
