"""Demo projects for the embedded default: a few projects at different steps (one finished,
one waiting past its due date) and a unit's participation plan, created through the same
API staff use."""

import uuid
from datetime import date, timedelta

from services.common.httpapi import Request

UNIT = "urban-environment"
STAFF = {"x-kuultu-actor": "demo-coordinator", "x-kuultu-roles": "coordinator",
         "x-kuultu-unit": UNIT}


def _outputs(today: date, held: bool) -> dict[int, dict]:
    """Outputs of the seven steps of a typical project, dated around `today`; `held`: its
    workshop took place already."""
    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    return {
        1: {"goal": "Renew Kauppatori square so that it serves markets, events and everyday "
                    "meeting.",
            "input_wanted": "How residents use the square now, and what they wish for its "
                            "greenery, seating and traffic.",
            "target_groups": ["residents of the centre", "market traders", "young people",
                              "older people"],
            "plain_language_goal": "Kauppatori uudistetaan. Kerro, millainen torin pitäisi "
                                   "olla."},
        2: {"methods": ["workshop", "map_survey"], "mode": "both",
            "starts_on": day(-60), "ends_on": day(30),
            "sessions": [{"title": "Workshop at the city library",
                          "starts_at": f"{day(-20 if held else 14)}T17:00",
                          "place": "Lahti city library",
                          "capacity": 40}]},
        3: {"how_to_take_part": "Answer the map survey on the OmaLahti site or come to the "
                                "workshop at the city library.",
            "plain_language_how_to": "Vastaa karttakyselyyn netissä tai tule työpajaan.",
            "channels": ["omalahti", "social_media", "posters", "partnership_tables"],
            "special_groups": ["young_people", "older_people"], "plain_language": True,
            "languages": ["fi", "sv", "en"]},
        4: {"sessions_held": [{"title": "Workshop at the city library", "held_on": day(-20),
                               "participant_count": 37},
                              {"title": "Map survey", "held_on": day(-10),
                               "participant_count": 106}],
            "accessibility": "Step-free venue, induction loop, plain-language materials.",
            "statement_count": 1, "survey_answer_count": 106},
        5: {"results_summary": "143 residents took part. Most wished for more trees and "
                               "benches and a calmer traffic plan.",
            "plain_language_summary": "143 ihmistä kertoi mielipiteensä. Moni toivoi lisää "
                                      "puita ja penkkejä.",
            "next_steps": "The results go into the square's plan, which the urban environment "
                          "committee handles in the spring."},
        6: {"decision_body": "Urban environment committee", "decided_on": day(-3),
            "reference": "§ 45", "taken_into_account": "The old lindens stay; 40 benches "
                                                       "are added; traffic is calmed.",
            "not_taken_into_account": "A roof over the whole square was too costly."},
        7: {"impact_statement": "The plan keeps the old lindens and adds 40 benches, as "
                                "residents asked.",
            "plain_language_statement": "Vanhat puut jäävät. Toriin tulee 40 penkkiä.",
            "participant_count": 143, "channels": ["messages_to_participants", "omalahti",
                                                   "intranet"],
            "thanks": "Thank you to all 143 of you who took part!"},
    }


PROJECTS = [
    # title, areas, topic, the steps completed, due date of the waiting step (days from today)
    ("Renewing Kauppatori square", ["keskusta"], "city centre", 7, None),
    ("Liipola park paths and lighting", ["itainen"], "parks", 5, 20),
    ("Ahtiala library opening hours", ["etelainen"], "libraries", 3, -5),
    ("Kiveriö school route safety", ["pohjoinen"], "traffic", 1, 10),
]


def _call(client, method: str, path: str, body=None) -> dict:
    request = Request(method, path, body=body,
                      headers={**STAFF, "x-correlation-id": str(uuid.uuid4())})
    reply = client._call(request)
    if reply.status not in (200, 201):
        raise RuntimeError(f"demo projects: {method} {path} was refused: {reply.body}")
    return reply.body


def load(platform) -> None:
    client = platform.clients()["projects"]
    today = date.today()
    ids = []
    for title, areas, topic, completed, due in PROJECTS:
        outputs = _outputs(today, held=completed >= 4)
        project = _call(client, "POST", "/projects", {
            "title": title, "unit": UNIT, "areas": areas, "topic": topic,
            "responsible_name": "Demo Coordinator",
            "starts_on": (today - timedelta(days=90)).isoformat(),
            "ends_on": (today + timedelta(days=180)).isoformat()})
        for number in range(1, completed + 1):
            _call(client, "POST", f"/projects/{project['id']}/steps/{number}/complete",
                  outputs[number])
        if due is not None:
            _call(client, "PUT", f"/projects/{project['id']}/steps/{completed + 1}/due",
                  {"due_on": (today + timedelta(days=due)).isoformat()})
        ids.append(project["id"])
    _call(client, "PUT", f"/plans/{UNIT}/{today.year}", {"entries": [
        {"month": 2, "title": "Kauppatori workshop and map survey", "method": "workshop",
         "project_id": ids[0]},
        {"month": 4, "title": "Liipola park walk", "method": "planning_walk",
         "project_id": ids[1]},
        {"month": 9, "title": "Resident survey on library hours", "method": "resident_survey"},
        {"month": 11, "title": "Partnership table dialogue on the budget",
         "method": "partnership_table"},
    ]})
