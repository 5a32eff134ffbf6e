"""P7 / D2 on PostgreSQL and Redis: reading beats queued by the gateway and applied in batches.
A batch applied twice (a drainer killed between its commit and its acknowledgement), or by two
drainers at once, adds nothing twice; forged beats are dropped; nothing queued is lost."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from crm.marketing.v1 import marketing_pb2 as pb
from marketing.beat_drainer import BeatDrainer
from marketing.models import ViewRow, VisitorRow


def opened_readers(marketing, tenant, count):
    article = marketing.call("CreateArticle", pb.ArticleInput(title="新品", body_html="<p>x</p>"), token=tenant.owner)
    marketing.call("SetArticleActive", pb.SetArticleActiveRequest(id=article.id, active=True), token=tenant.owner)
    link = marketing.call("ShareArticle", pb.ShareArticleRequest(article_id=article.id), token=tenant.sales)
    readers = [
        marketing.call("OpenShare", pb.OpenShareRequest(token=link.token), as_service=True) for _ in range(count)
    ]
    return article, readers


def totals(db, view_id):
    with db.reader() as uow:
        view = uow.session.get(ViewRow, view_id)
        visitor = uow.session.get(VisitorRow, view.visitor_id)
        return view.seconds, view.clicks, visitor.seconds, visitor.clicks


def test_p7_one_batch_moves_many_views_and_a_redelivered_batch_adds_nothing(marketing, tenant, db, beats):
    article, readers = opened_readers(marketing, tenant, 5)
    time.sleep(2.1)  # wall time since opening bounds what a beat may claim
    for reader in readers:
        beats.append(reader.view_id, reader.visitor_key, 1, 1)
        beats.append(reader.view_id, reader.visitor_key, 2, 3)  # running totals: 2 s and 3 clicks in all
    beats.append(readers[0].view_id, "someone-elses-key-123", 2, 9)  # not this view's visitor
    beats.append("not-a-view", readers[0].visitor_key, 2, 0)
    result = BeatDrainer(db, beats, consumer="drainer-killed").drain_once()
    assert (result.applied, result.dropped) == (10, 2)

    for reader in readers:
        assert totals(db, reader.view_id) == (2, 3, 2, 3)
    assert marketing.call("GetArticle", pb.GetArticleRequest(id=article.id), token=tenant.owner).read_seconds == 10

    # The same beats again, as a drainer killed after its commit would leave them: nothing moves.
    for reader in readers:
        beats.append(reader.view_id, reader.visitor_key, 2, 3)
    taken = beats.read("drainer-killed", count=500, block_ms=0)  # read, then "killed": never acknowledged
    assert len(taken) == len(readers)
    heir = BeatDrainer(db, beats, consumer="heir", claim_idle_ms=0)
    result = heir.drain_once()
    assert (result.applied, result.dropped) == (0, len(readers))
    assert beats.read("heir", count=500, block_ms=0) == []
    for reader in readers:
        assert totals(db, reader.view_id) == (2, 3, 2, 3)
    assert marketing.call("GetArticle", pb.GetArticleRequest(id=article.id), token=tenant.owner).read_seconds == 10


def test_p7_two_drainers_on_the_same_views_count_each_beat_once(marketing, tenant, db, beats):
    _, readers = opened_readers(marketing, tenant, 4)
    time.sleep(4.1)
    for seconds in (1, 2, 3, 4):
        for reader in readers:
            beats.append(reader.view_id, reader.visitor_key, seconds, seconds)
    drainers = [BeatDrainer(db, beats, consumer=f"pair-{i}", batch=3) for i in range(2)]
    for drainer in drainers:
        drainer.drain_once()  # joins the group before the race

    def run(drainer):
        while True:
            result = drainer.drain_once()
            if not result.applied + result.dropped:
                return

    threads = [threading.Thread(target=run, args=(d,)) for d in drainers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for reader in readers:
        assert totals(db, reader.view_id) == (4, 4, 4, 4)


def test_p7_the_running_drainer_applies_beats_soon_after_they_are_queued(marketing, tenant, db, beats):
    _, (reader,) = opened_readers(marketing, tenant, 1)
    drainer = BeatDrainer(db, beats, consumer="thread").start()
    try:
        time.sleep(1.1)
        beats.append(reader.view_id, reader.visitor_key, 1, 0)
        deadline = time.monotonic() + 10
        while totals(db, reader.view_id)[0] != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        drainer.stop()
    assert totals(db, reader.view_id)[0] == 1
    with db.reader() as uow:
        last = uow.session.scalar(select(ViewRow.last_beat_at).where(ViewRow.id == reader.view_id))
    assert last is not None
