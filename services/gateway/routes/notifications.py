"""Notifications API (grows with the notifications service)."""

from fastapi import APIRouter

router = APIRouter(tags=["notifications"])
