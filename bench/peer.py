"""The benchmark's peer: the sessions list as plain Django REST framework would serve it.

A ``ModelViewSet`` with nested ``ModelSerializer``s and the obvious ``select_related`` /
``prefetch_related``, over the same data, authentication, pagination and renderer as
``/api/v1/sessions/``; bench/measure.py calls both in one run and bench/run.py prints how
much faster ours is. Mounted only by the benchmark (``bench.peer.urlpatterns``), never
by the application.
"""

from django.db.models import Prefetch
from django.urls import include, path
from rest_framework import routers, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from api.pagination import ApiCursorPagination
from records.models import Addendum, AdverseEvent, PainScore, TargetedMuscle, TreatmentSession
from records.policy import clinic_of
from records.selectors import session_warnings


def _name(user) -> str:
    return user.get_full_name() or user.username


class TargetedMuscleSerializer(serializers.ModelSerializer):
    muscle_name = serializers.CharField(source="muscle.name")

    class Meta:
        model = TargetedMuscle
        fields = ["id", "order", "muscle", "muscle_name", "side", "segment", "needle_length_mm", "needle_diameter_mm",
                  "twitch_response", "twitch_count", "outcome", "notes"]


class PainScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = PainScore
        fields = ["id", "moment", "score", "region", "recorded_at"]


class AdverseEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AdverseEvent
        fields = ["id", "kind", "severity", "notes"]


class AddendumSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Addendum
        fields = ["id", "session", "assessment", "author", "author_name", "text", "created_at"]

    def get_author_name(self, addendum) -> str:
        return _name(addendum.author)


class SessionSerializer(serializers.ModelSerializer):
    practitioner_name = serializers.SerializerMethodField()
    signed_by_name = serializers.SerializerMethodField()
    targeted_muscles = TargetedMuscleSerializer(many=True)
    pain_scores = PainScoreSerializer(many=True)
    adverse_events = AdverseEventSerializer(many=True)
    addenda = AddendumSerializer(many=True)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = TreatmentSession
        fields = ["id", "patient", "assessment", "practitioner", "practitioner_name", "started_at", "number",
                  "targeted_muscles", "pain_scores", "adverse_events", "needles_used", "needles_removed", "exercises",
                  "notes", "status", "signed_at", "signed_by", "signed_by_name", "version", "addenda", "warnings",
                  "created_at", "updated_at"]

    def get_practitioner_name(self, session) -> str:
        return _name(session.practitioner)

    def get_signed_by_name(self, session) -> str | None:
        return _name(session.signed_by) if session.signed_by_id else None

    def get_warnings(self, session) -> list[dict]:
        return session_warnings(session)


class SessionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SessionSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = ApiCursorPagination
    ordering = ("-started_at", "-id")

    def get_queryset(self):
        return (
            TreatmentSession.objects.filter(clinic=clinic_of(self.request.user))
            .select_related("practitioner", "signed_by", "patient")
            .prefetch_related(
                Prefetch("targeted_muscles", queryset=TargetedMuscle.objects.select_related("muscle").order_by("order")),
                Prefetch("pain_scores", queryset=PainScore.objects.order_by("recorded_at", "moment")),
                "adverse_events",
                Prefetch("addenda", queryset=Addendum.objects.select_related("author")),
                "patient__precautions",
            )
        )


router = routers.SimpleRouter()
router.register("sessions", SessionViewSet, basename="peer-session")

urlpatterns = [path("bench-peer/", include(router.urls)), path("", include("clinic.urls"))]
