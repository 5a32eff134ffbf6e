"""Share links, readers' pages, WeChat login, the visitor centre and the data centre (D2, C7, C10, D8)."""

from __future__ import annotations

from crm.marketing.v1 import marketing_pb2 as pb
from crmkit.auth import require_actor
from crmkit.paging import page_from_proto
from crmkit.protos import datetime_of

from ..service import datacentre, sharing, visitors, wechat
from .messages import (
    article_pb,
    figures_pb,
    material_pb,
    product_pb,
    recommended_pb,
    share_pb,
    trail_pb,
    visitor_pb,
)


class SharingRpcs:
    # Sharing and reading

    def ShareArticle(self, request, context):
        return share_pb(
            sharing.share_article(self.db, require_actor(), request.article_id, request.method, now=self.clock())
        )

    def OpenShare(self, request, context):
        opened = sharing.open_share(
            self.db, require_actor(), request.token, request.visitor_key, catalogue=self.catalogue, now=self.clock()
        )
        return pb.OpenShareResponse(
            tenant_id=opened.tenant_id,
            view_id=opened.view_id,
            visitor_key=opened.visitor_key,
            kind=opened.kind,
            article=article_pb(opened.article) if opened.article else None,
            material=material_pb(opened.material) if opened.material else None,
            sharer_staff_id=opened.sharer_staff_id,
            modules=opened.modules,
            contact_position=opened.contact_position,
            recommended=[recommended_pb(r) for r in opened.recommended],
            mall_url=opened.mall_url,
            products=[product_pb(p) for p in opened.products],
            reader=self._reader(opened.reader),
            own_token=opened.own_token,
        )

    def _reader(self, reader: sharing.Reader) -> pb.ReaderIdentity:
        return pb.ReaderIdentity(
            wechat_login=self.wechat.browsers if self.wechat else "",
            wechat=reader.wechat,
            nickname=reader.nickname,
            avatar_url=reader.avatar_url,
        )

    def ForwardShare(self, request, context):
        row = sharing.forward_share(
            self.db, require_actor(), request.token, request.visitor_key, request.method, now=self.clock()
        )
        return share_pb(row)

    def IdentifyVisitor(self, request, context):
        visitors.identify_visitor(
            self.db,
            require_actor(),
            request.view_id,
            request.visitor_key,
            request.phone,
            request.name,
            now=self.clock(),
        )
        return pb.IdentifyVisitorResponse()

    def StartWechatLogin(self, request, context):
        url = wechat.start_wechat_login(
            self.db, require_actor(), self.wechat, request.token, request.redirect_uri, request.state
        )
        return pb.StartWechatLoginResponse(url=url)

    def WechatLogin(self, request, context):
        done = wechat.wechat_login(
            self.db, require_actor(), self.wechat, request.token, request.visitor_key, request.code, now=self.clock()
        )
        return pb.WechatLoginResponse(nickname=done.nickname, avatar_url=done.avatar_url, lead=done.lead)

    # The visitor centre

    def ListVisitors(self, request, context):
        page = page_from_proto(request.page)
        found = visitors.list_visitors(
            self.db,
            require_actor(),
            page,
            qualified=request.qualified,
            source=request.source,
            since=datetime_of(request, "since"),
            until=datetime_of(request, "until"),
            sort=request.sort,
            customer=request.customer,
        )
        return pb.ListVisitorsResponse(visitors=[visitor_pb(v) for v in found.visitors], page=page.info(found.total))

    def GetVisitor(self, request, context):
        visitor, trail = visitors.get_visitor(self.db, require_actor(), request.id)
        return pb.VisitorDetail(visitor=visitor_pb(visitor), trail=[trail_pb(t) for t in trail])

    # The data centre

    def GetMarketingStats(self, request, context):
        stats = datacentre.marketing_stats(
            self.db,
            require_actor(),
            date_from=request.date_from,
            date_to=request.date_to,
            group_by=request.group_by,
            now=self.clock(),
        )
        return pb.MarketingStatsResponse(
            date_from=stats.date_from.isoformat(),
            date_to=stats.date_to.isoformat(),
            rows=[pb.MarketingStatsRow(key=r.key, title=r.title, figures=figures_pb(r.figures)) for r in stats.rows],
            total=figures_pb(stats.total),
        )
