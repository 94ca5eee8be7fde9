"""Persistence of the notifications service: the contact registry."""

from mongoengine import BooleanField, DateTimeField, DictField, Document, StringField


class ContactDocument(Document):
    meta = {"db_alias": "notifications", "collection": "contacts",
            "indexes": [{"fields": ["unsubscribe_token"], "unique": True}]}
    participant_id = StringField(primary_key=True)
    email = StringField()
    phone = StringField()
    language = StringField(required=True)
    plain_language = BooleanField(default=False)
    consents = DictField()
    created_at = DateTimeField(required=True)
    unsubscribe_token = StringField(required=True)
