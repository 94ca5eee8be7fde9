"""Tables API (grows with the tables service)."""

from fastapi import APIRouter

router = APIRouter(tags=["tables"])
