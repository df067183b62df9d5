"""Accounts API: sign-up, sign-in with JWT, token rotation, own profile, admin user management."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jonquils.api.schema import ErrorSerializer

from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.pagination import CursorPagination

from . import selectors, services, subsonic_credentials, tokens
from .filters import AuditEventFilter, UserFilter
from .permissions import IsAdminRole
from .serializers import (
    LoginInputSerializer,
    LogoutInputSerializer,
    ProfileOutputSerializer,
    ProfileUpdateInputSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
    TokenPairOutputSerializer,
    AuditEventOutputSerializer,
    UserAdminOutputSerializer,
    UserAdminUpdateInputSerializer,
)
from .throttling import AUTH_THROTTLES, GENERAL_THROTTLES, PASSWORD_CHECK_THROTTLES


_unauthorized = OpenApiResponse(ErrorSerializer, description="The credentials or the token are not valid.")


class _TokenEndpoint(APIView):
    # Credentials or a refresh token come in the body, so no header authentication here:
    # a stale access token left in a client's headers must not make sign-in or logout fail.

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = GENERAL_THROTTLES


class RegisterView(_TokenEndpoint):
    """Create a listener account; the answer holds the profile and a token pair.

    Usernames and emails are unique whatever their case; the password must pass the
    server's password rules. Strictly rate-limited per IP address and per username/email.
    """

    throttle_classes = AUTH_THROTTLES

    @extend_schema(
        tags=["auth"], operation_id="auth_register", request=RegisterInputSerializer,
        responses={201: RegisterOutputSerializer},
        summary="Create a listener account and sign in",
    )
    def post(self, request):
        serializer = RegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        pair = tokens.token_pair_issue(user=user)
        body = {"user": user, "access": pair.access, "refresh": pair.refresh}
        return Response(RegisterOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class LoginView(_TokenEndpoint):
    """Trade a username (or an email) and the password for an access and a refresh token.

    Strictly rate-limited per IP address and per account named.
    """

    throttle_classes = AUTH_THROTTLES

    @extend_schema(
        tags=["auth"], operation_id="auth_login", request=LoginInputSerializer,
        responses={200: TokenPairOutputSerializer, 401: _unauthorized},
        summary="Sign in with a username or an email and the password",
    )
    def post(self, request):
        serializer = LoginInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_authenticate(**serializer.validated_data, request=request._request)
        pair = tokens.token_pair_issue(user=user)
        return Response(TokenPairOutputSerializer(pair).data)


class RefreshView(_TokenEndpoint):
    """Trade a refresh token for a new pair. The presented token stops working at once;
    presenting it again revokes every refresh token of the account (sign in again)."""

    @extend_schema(
        tags=["auth"], operation_id="auth_refresh", request=RefreshInputSerializer,
        responses={200: TokenPairOutputSerializer, 401: _unauthorized},
        summary="Trade a refresh token for a new pair (the old refresh token stops working)",
    )
    def post(self, request):
        serializer = RefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = tokens.token_refresh(refresh=serializer.validated_data["refresh"])
        return Response(TokenPairOutputSerializer(pair).data)


class LogoutView(_TokenEndpoint):
    """Revoke a refresh token; with all_devices, every refresh token of its account."""

    @extend_schema(
        tags=["auth"], operation_id="auth_logout", request=LogoutInputSerializer,
        responses={204: OpenApiResponse(description="The refresh token is revoked."), 401: _unauthorized},
        summary="Revoke a refresh token (optionally every one of the account)",
    )
    def post(self, request):
        serializer = LogoutInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens.token_revoke(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in user's own profile.

    A change that carries current_password meets the login limits (per IP and per account),
    so the password check is no better an oracle than the login itself.
    """

    permission_classes = (IsAuthenticated,)
    throttle_classes = PASSWORD_CHECK_THROTTLES

    @extend_schema(tags=["auth"], operation_id="auth_me_retrieve", responses={200: ProfileOutputSerializer})
    def get(self, request):
        user = selectors.user_get(user_id=request.user.pk)
        return Response(ProfileOutputSerializer(user).data)

    @extend_schema(
        tags=["auth"], operation_id="auth_me_update", request=ProfileUpdateInputSerializer,
        responses={200: ProfileOutputSerializer},
        summary="Change one's own profile; a new password or email needs current_password",
    )
    def patch(self, request):
        serializer = ProfileUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_profile_update(user=request.user, **serializer.validated_data)
        user = selectors.user_get(user_id=request.user.pk)
        return Response(ProfileOutputSerializer(user).data)


@extend_schema(tags=["users"])
class UserAdminViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Admins list accounts and change a user's role or active flag."""

    permission_classes = (IsAdminRole,)
    serializer_class = UserAdminOutputSerializer
    filterset_class = UserFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.user_list()

    @extend_schema(request=UserAdminUpdateInputSerializer, responses={200: UserAdminOutputSerializer})
    def partial_update(self, request, pk=None):
        user = self.get_object()
        serializer = UserAdminUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_admin_update(actor=request.user, user_id=user.pk, request=request,
                                          **serializer.validated_data)
        return Response(UserAdminOutputSerializer(user).data)


class SubsonicCredentialsView(APIView):
    """The signed-in user's Subsonic credentials: POST makes new ones (shown once), GET says whether they exist, DELETE revokes."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(tags=["auth"], operation_id="auth_me_subsonic_credentials_retrieve", responses={200: inline_serializer(
        "SubsonicCredentialsState", {"exists": drf_serializers.BooleanField(),
                                     "created_at": drf_serializers.DateTimeField(allow_null=True),
                                     "username": drf_serializers.CharField()})})
    def get(self, request):
        credential = subsonic_credentials.subsonic_credentials_get(user=request.user)
        return Response({"exists": credential is not None, "username": request.user.username,
                         "created_at": credential.created_at.isoformat() if credential else None})

    @extend_schema(tags=["auth"], operation_id="auth_me_subsonic_credentials_create", request=None, responses={
        201: inline_serializer("SubsonicCredentialsIssued", {
            "username": drf_serializers.CharField(), "password": drf_serializers.CharField(),
            "api_key": drf_serializers.CharField(), "created_at": drf_serializers.DateTimeField()})},
        summary="Generate a new Subsonic password and OpenSubsonic API key; the previous ones stop working")
    def post(self, request):
        issued = subsonic_credentials.subsonic_credentials_create(user=request.user, request=request)
        return Response({"username": issued.username, "password": issued.password, "api_key": issued.api_key,
                         "created_at": issued.credential.created_at.isoformat()}, status=status.HTTP_201_CREATED)

    @extend_schema(tags=["auth"], operation_id="auth_me_subsonic_credentials_destroy", responses={204: None})
    def delete(self, request):
        subsonic_credentials.subsonic_credentials_revoke(user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

class AuditPagination(CursorPagination):
    """Newest first by id, pages by cursor: no COUNT(*) over a log that only grows."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise DRFValidationError({"page_size": [f"Must be a whole number from 1 to {self.max_page_size}."]})
        return int(raw)


@extend_schema(tags=["audit"])
class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Admins read the audit log of security events (sign-ins, failed sign-ins, token reuse,
    password, role and active changes, deletions), newest first, filterable."""

    permission_classes = (IsAdminRole,)
    serializer_class = AuditEventOutputSerializer
    filterset_class = AuditEventFilter
    pagination_class = AuditPagination

    def get_queryset(self):
        return selectors.audit_event_list()
