"""The demo deployment's programme of events for every service, with dates relative to today
so the demo always has something coming up. Seeds only when there are no events at all."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import Engine

from pafinder.build import site_globals
from pafinder.content import Content
from pafinder.events import store
from pafinder.events.models import EventInput
from pafinder.events.publish import publish
from pafinder.events.views import now_utc
from pafinder.settings import Settings
from pafinder.web.templating import LONDON, make_environment

MON, TUE, WED, THU, FRI, SAT = range(6)

BASE = {
    "venue_name": "Sample Centre",
    "address": "25 Example Road\nDerby",
    "postcode": "DE1 1ZZ",
    "area": "derby-city-centre",
    "access": ["step-free", "hearing-loop", "accessible-toilet"],
}
CREWE = {
    "venue_name": "Crewe Library meeting room",
    "address": "Prince Albert Street\nCrewe",
    "postcode": "CW1 2DH",
    "area": "crewe",
    "access": ["step-free", "accessible-toilet", "hearing-loop"],
}


def _next(today: date, weekday: int, weeks: int = 0) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7, weeks=weeks)


def _nth(today: date, weekday: int, nth: int, months_ahead: int = 1) -> date:
    month = (today.month - 1 + months_ahead) % 12 + 1
    year = today.year + (today.month - 1 + months_ahead) // 12
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def programme(today: date) -> list[dict[str, Any]]:
    """Each entry: EventInput fields. Figures follow the specifications: carers training up to
    3 sessions a year, direct-payment workshops about every two months, peer support network
    meetings in different places (some online or by phone), drop-in surgeries bi-monthly."""
    return [
        dict(
            title="Evening peer support group",
            kind="support-group",
            service="peer-support-recovery",
            audience="Adults in Derby with a mental health need",
            description="A relaxed group run by people with lived experience. Come for a "
            "cup of tea and a chat.\n\nYou do not need to talk if you would rather listen.",
            start_date=_next(today, TUE),
            start_time=time(18),
            end_time=time(19, 30),
            repeat="weekly",
            format="in-person",
            venue_name="Normanton Community Hall",
            address="12 Sample Lane\nNormanton\nDerby",
            postcode="DE23 6ZZ",
            area="normanton",
            access=["step-free", "accessible-toilet"],
            transport_notes="Buses 4 and 6 stop outside. Free parking behind the hall.",
            cost="free",
            booking_required=False,
        ),
        dict(
            title="Saturday walk and talk",
            kind="wellbeing-activity",
            service="peer-support-recovery",
            audience="Anyone in Derby who would like company on a gentle walk",
            description="An hour's easy walk by the river, then a hot "
            "drink. We go at the pace of the slowest walker.",
            start_date=_next(today, SAT),
            start_time=time(10, 30),
            end_time=time(12),
            repeat="fortnightly",
            format="in-person",
            venue_name="Darley Park cafe",
            address="Darley Park\nDerby",
            postcode="DE22 1DX",
            area="darley-abbey",
            access=["parking", "accessible-toilet"],
            cost="free",
            booking_required=False,
        ),
        dict(
            title="Understanding recovery: a 6-week course",
            kind="course",
            service="peer-support-recovery",
            audience="Adults in Derby with a mental health need, and the people who support them",
            description="A friendly course built on connection, hope, identity, meaning and "
            "empowerment. Learn coping skills with others who understand.\n\nThis is a course "
            "for learning, not therapy. Please book every week you can come.",
            start_date=_next(today, WED, 1),
            start_time=time(10),
            end_time=time(12),
            repeat="weekly",
            repeat_count=6,
            format="in-person",
            **BASE,
            cost="free",
            capacity=12,
            booking_required=True,
        ),
        dict(
            title="Online course: living with anxiety",
            kind="course",
            service="peer-support-recovery",
            audience="Adults in Derby with a mental health need",
            description="Four online sessions about anxiety and what helps. Cameras optional.",
            start_date=_next(today, THU),
            start_time=time(14),
            end_time=time(15, 30),
            repeat="weekly",
            repeat_count=4,
            format="online",
            joining_details="https://meet.example.org/anxiety-course",
            area="",
            cost="free",
            capacity=15,
            booking_required=True,
        ),
        dict(
            title="Carers training: moving and handling",
            kind="training",
            service="carers",
            audience="Adults who look after someone in Derby",
            description="Learn safe ways to help someone move, so you both stay safe. "
            "Practical, with time for your questions.",
            start_date=_next(today, MON, 1),
            start_time=time(10),
            end_time=time(13),
            repeat="none",
            format="in-person",
            **BASE,
            cost="free",
            capacity=12,
            booking_required=True,
        ),
        dict(
            title="Carers training: looking after yourself",
            kind="training",
            service="carers",
            audience="Adults who look after someone in Derby",
            description="Spotting stress, building resilience and knowing when to take a "
            "break. Each month is a different group of carers.",
            start_date=_nth(today, THU, 2),
            start_time=time(10),
            end_time=time(12, 30),
            repeat="monthly",
            repeat_count=6,
            format="in-person",
            **BASE,
            cost="free",
            capacity=12,
            booking_required=True,
        ),
        dict(
            title="Carers training online: money and benefits",
            kind="training",
            service="carers",
            audience="Adults who look after someone in Derby",
            description="Managing money and household budgets, and the benefits carers can claim.",
            start_date=_next(today, WED, 2),
            start_time=time(19),
            end_time=time(20, 30),
            repeat="none",
            format="online",
            joining_details="https://meet.example.org/carers-money",
            cost="free",
            capacity=20,
            booking_required=True,
        ),
        dict(
            title="Carers coffee morning",
            kind="wellbeing-activity",
            service="carers",
            audience="Carers in Derby, and the people they care for if they would like to come",
            description="A break, a hot drink and a chat with other carers.",
            start_date=_next(today, FRI),
            start_time=time(10, 30),
            end_time=time(12),
            repeat="weekly",
            format="in-person",
            venue_name="Chaddesden Park pavilion",
            address="Chaddesden Park\nDerby",
            postcode="DE21 6ZZ",
            area="chaddesden",
            access=["step-free", "parking", "accessible-toilet"],
            cost="contribution",
            cost_text="£1 towards tea and cake if you can. Nobody is turned away.",
            booking_required=False,
        ),
        dict(
            title="Evening carers support group",
            kind="support-group",
            service="carers",
            audience="Carers who work or cannot get to daytime groups",
            description="An evening group for carers, led by carers.",
            start_date=_nth(today, WED, 4),
            start_time=time(18, 30),
            end_time=time(20),
            repeat="monthly",
            format="in-person",
            venue_name="Littleover Library",
            address="Old Hall Road\nLittleover\nDerby",
            postcode="DE23 6ZZ",
            area="littleover",
            access=["step-free", "hearing-loop"],
            cost="free",
            booking_required=False,
        ),
        dict(
            title="GP carers clinic",
            kind="gp-clinic",
            service="carers",
            audience="Carers registered with the surgery",
            description="A private half-hour with a carers adviser at your GP surgery. Book "
            "a place and we will give you a time.",
            start_date=_next(today, MON),
            start_time=time(9, 30),
            end_time=time(12),
            repeat="fortnightly",
            format="in-person",
            venue_name="Sinfin Health Centre",
            address="Arleston Lane\nSinfin\nDerby",
            postcode="DE24 3ZZ",
            area="sinfin",
            access=["step-free", "accessible-toilet", "parking"],
            cost="free",
            capacity=5,
            booking_required=True,
        ),
        dict(
            title="Talking Point: carers advice",
            kind="talking-point",
            service="carers",
            audience="Anyone who looks after someone",
            description="Drop in for advice, a carers conversation, or help to ask for a "
            "carers assessment.",
            start_date=_next(today, TUE),
            start_time=time(13),
            end_time=time(15),
            repeat="weekly",
            format="in-person",
            **BASE,
            cost="free",
            booking_required=False,
        ),
        dict(
            title="Direct payments workshop: being an employer",
            kind="workshop",
            service="direct-payment-support",
            audience="People in Cheshire East who have, or are thinking about, a direct payment",
            description="What it means to employ a personal assistant: contracts, insurance, "
            "payroll, training and keeping safe.",
            start_date=_nth(today, TUE, 2),
            start_time=time(10),
            end_time=time(12, 30),
            repeat="bimonthly",
            repeat_count=6,
            format="in-person",
            **CREWE,
            cost="free",
            capacity=20,
            booking_required=True,
        ),
        dict(
            title="Direct payments workshop: getting started",
            kind="workshop",
            service="direct-payment-support",
            audience="People new to direct payments in Cheshire East",
            description="How direct payments work, contingency planning, "
            "and the help you can get from us.",
            start_date=_nth(today, THU, 1, 2),
            start_time=time(13, 30),
            end_time=time(15, 30),
            repeat="bimonthly",
            repeat_count=6,
            format="in-person",
            venue_name="Macclesfield Town Hall",
            address="Market Place\nMacclesfield",
            postcode="SK10 1EA",
            area="macclesfield",
            access=["step-free", "hearing-loop", "bsl", "accessible-toilet"],
            cost="free",
            capacity=20,
            booking_required=True,
        ),
        dict(
            title="Peer support network meeting: Congleton",
            kind="peer-support-meeting",
            service="direct-payment-support",
            audience="Direct payment users and carers in Cheshire East",
            description="Led by people who use direct payments: share what "
            "works and help shape our service.",
            start_date=_next(today, WED, 3),
            start_time=time(11),
            end_time=time(13),
            repeat="none",
            format="in-person",
            venue_name="Congleton Library",
            address="Market Square\nCongleton",
            postcode="CW12 1BU",
            area="congleton",
            access=["step-free", "accessible-toilet"],
            cost="free",
            capacity=25,
            booking_required=True,
        ),
        dict(
            title="Peer support network meeting online",
            kind="peer-support-meeting",
            service="direct-payment-support",
            audience="Direct payment users and carers in Cheshire East",
            description="The network meeting, online, for anyone who cannot travel.",
            start_date=_next(today, TUE, 7),
            start_time=time(18),
            end_time=time(19, 30),
            repeat="none",
            format="online",
            joining_details="https://meet.example.org/dp-network",
            cost="free",
            capacity=30,
            booking_required=True,
        ),
        dict(
            title="Peer support network meeting by phone",
            kind="peer-support-meeting",
            service="direct-payment-support",
            audience="Direct payment users and carers in Cheshire East",
            description="A phone group: dial in from home.",
            start_date=_next(today, THU, 11),
            start_time=time(14),
            end_time=time(15),
            repeat="none",
            format="phone",
            joining_details="Call 0115 496 0999 and enter code 4821",
            cost="free",
            capacity=10,
            booking_required=True,
        ),
        dict(
            title="Direct payments drop-in surgery for council staff",
            kind="drop-in-surgery",
            service="direct-payment-support",
            audience="Cheshire East Council finance and adult social care staff",
            description="Bring your questions about individual "
            "cases and how direct payments are rolled out.",
            start_date=_nth(today, FRI, 1),
            start_time=time(9, 30),
            end_time=time(12),
            repeat="bimonthly",
            format="in-person",
            venue_name="Sandbach Town Hall",
            address="High Street\nSandbach",
            postcode="CW11 1AX",
            area="sandbach",
            access=["step-free", "parking"],
            cost="free",
            booking_required=False,
        ),
        dict(
            title="Living on your own: cooking on a budget",
            kind="workshop",
            service="supported-accommodation",
            audience="Young people aged 16 to 21 living in our supported housing",
            description="Cook a cheap, tasty meal together and take the recipe home.",
            start_date=_next(today, THU),
            start_time=time(16),
            end_time=time(17, 30),
            repeat="fortnightly",
            format="in-person",
            **BASE,
            cost="free",
            capacity=8,
            booking_required=True,
        ),
        dict(
            title="Mentoring activity afternoon",
            kind="wellbeing-activity",
            service="mentoring",
            audience="Young people in care who have a mentor with us",
            description="Bowling, games and food with your mentor and other young people.",
            start_date=_nth(today, SAT, 1),
            start_time=time(13),
            end_time=time(16),
            repeat="monthly",
            format="in-person",
            venue_name="Derby Riverside Centre",
            address="Riverside Way\nDerby",
            postcode="DE1 3ZZ",
            area="derby-city-centre",
            access=["step-free", "accessible-toilet"],
            cost="free",
            capacity=20,
            booking_required=True,
        ),
    ]


def seed_demo(engine: Engine, settings: Settings, content: Content) -> str:
    if store.count_events(engine):
        return "Events: already there, left alone."
    today = now_utc().astimezone(LONDON).date()
    services = {s.slug for s in content.services}
    made = 0
    for entry in programme(today):
        if entry["service"] not in services:
            continue
        store.create_event(engine, EventInput.model_validate(entry), "system")
        made += 1
    if settings.site_dir.exists():
        publish(engine, settings, content, make_environment(site_globals(content)))
    return f"Events: seeded {made} events (groups, courses, workshops, training, drop-ins)."
