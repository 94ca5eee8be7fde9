"""Projects API (grows with the projects service)."""

from fastapi import APIRouter

router = APIRouter(tags=["projects"])
