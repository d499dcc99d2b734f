"""Amazon API Gateway (REST): stages, usage plans and their keys, API keys, authorizers and
the account settings, backed by moto's API Gateway backend, next to moto's own
RestApi/Deployment/Method/Resource models.
"""

from __future__ import annotations

from typing import Any

from moto.apigateway.models import APIGatewayBackend, apigateway_backends
from moto.core.common_models import CloudFormationModel

from infragen.emulator.models._base import HEX, EmulatedResource, truthy


def _backend(resource: EmulatedResource) -> APIGatewayBackend:
    return apigateway_backends[resource.account_id][resource.region_name]


class Stage(EmulatedResource, CloudFormationModel):
    """AWS::ApiGateway::Stage: a moto stage of the REST API (GetStage shows its deployment,
    variables, description, tracing, access log destination); Ref is the stage name."""

    TYPE = "AWS::ApiGateway::Stage"
    NAME_PROPERTY = "StageName"
    CREATE_ONLY = ("RestApiId", "StageName")

    def _apply(self) -> None:
        stage = _backend(self).get_stage(self.prop("RestApiId"), self.name)
        stage.deployment_id = self.prop("DeploymentId")
        stage.variables = dict(self.prop("Variables", {}))
        stage.description = self.prop("Description", "")
        stage.tracing_enabled = truthy(self.prop("TracingEnabled"))
        stage.tags = self.tags
        access_log = self.prop("AccessLogSetting")
        stage.access_log_settings = (
            {"destinationArn": access_log.get("DestinationArn"), "format": access_log.get("Format")}
            if access_log
            else None
        )

    def on_create(self) -> None:
        _backend(self).create_stage(
            function_id=self.prop("RestApiId"),
            stage_name=self.name,
            deploymentId=self.prop("DeploymentId"),
            variables=dict(self.prop("Variables", {})),
            description=self.prop("Description", ""),
            tags=self.tags,
            tracing_enabled=truthy(self.prop("TracingEnabled")),
        )
        self._apply()

    def on_update(self, previous: dict[str, Any]) -> None:
        self._apply()

    def on_delete(self) -> None:
        api = _backend(self).apis.get(self.prop("RestApiId"))
        if api is not None:
            api.stages.pop(self.name, None)

    def ref(self) -> str:
        return self.name

    def key(self) -> str:
        # Two REST APIs may both have a `v1` stage.
        return f"{self.prop('RestApiId')}/{self.name}"


class UsagePlan(EmulatedResource, CloudFormationModel):
    """AWS::ApiGateway::UsagePlan: a moto usage plan (stages, throttle, quota); Ref and Id
    are its id. Every property updates in place."""

    TYPE = "AWS::ApiGateway::UsagePlan"
    NAME_PROPERTY = "UsagePlanName"
    ATTRIBUTES = frozenset({"Id"})

    def _payload(self) -> dict[str, Any]:
        def lower(d: dict[str, Any] | None) -> dict[str, Any]:
            return {k[0].lower() + k[1:]: v for k, v in (d or {}).items()}

        return {
            "name": self.name,
            "description": self.prop("Description"),
            "apiStages": [
                {"apiId": s.get("ApiId"), "stage": s.get("Stage")}
                for s in self.prop("ApiStages", [])
            ],
            "throttle": lower(self.prop("Throttle")),
            "quota": lower(self.prop("Quota")),
            "tags": self.tags or None,
        }

    def on_create(self) -> None:
        self.plan_id = _backend(self).create_usage_plan(self._payload()).id

    def on_update(self, previous: dict[str, Any]) -> None:
        plan = _backend(self).get_usage_plan(self.plan_id)
        payload = self._payload()
        plan.name = payload["name"]
        plan.description = payload["description"]
        plan.api_stages = payload["apiStages"]
        plan.throttle = payload["throttle"]
        plan.quota = payload["quota"]
        plan.tags = payload["tags"]

    def on_delete(self) -> None:
        _backend(self).usage_plans.pop(self.plan_id, None)

    def ref(self) -> str:
        return self.plan_id

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.plan_id}


class Account(EmulatedResource, CloudFormationModel):
    """AWS::ApiGateway::Account: sets the region's CloudWatch role in moto (GetAccount);
    Ref and Id are a CloudFormation-style id. Deleting it leaves the setting, as AWS does."""

    TYPE = "AWS::ApiGateway::Account"
    ATTRIBUTES = frozenset({"Id"})

    def _apply(self) -> None:
        _backend(self).account.cloudwatch_role_arn = self.prop("CloudWatchRoleArn")

    def on_create(self) -> None:
        stack = self.stack_id.split("/")[1] if self.stack_id.count("/") >= 2 else "stack"
        self.account_id_value = f"{stack[:5]}-{self.logical_id[:5]}-{self.token(16, HEX)}"
        self._apply()

    def on_update(self, previous: dict[str, Any]) -> None:
        self._apply()

    def ref(self) -> str:
        return self.account_id_value

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.account_id_value}


class ApiKey(EmulatedResource, CloudFormationModel):
    """AWS::ApiGateway::ApiKey: a moto API key whose value moto generates when the template
    gives none (GetApiKeys --include-values shows it, as AWS does); Ref and APIKeyId are its id."""

    TYPE = "AWS::ApiGateway::ApiKey"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = frozenset({"APIKeyId"})
    CREATE_ONLY = ("Name", "Value", "GenerateDistinctId")

    def on_create(self) -> None:
        key = _backend(self).create_api_key(
            {
                "name": self.name,
                "description": self.prop("Description"),
                "enabled": truthy(self.prop("Enabled", False)),
                "value": self.prop("Value"),
                "tags": self.tags or None,
            }
        )
        self.key_id = key.id

    def on_update(self, previous: dict[str, Any]) -> None:
        key = _backend(self).keys[self.key_id]
        key.description = self.prop("Description")
        key.enabled = truthy(self.prop("Enabled", False))
        key.tags = self.tags or None

    def on_delete(self) -> None:
        _backend(self).keys.pop(self.key_id, None)

    def ref(self) -> str:
        return self.key_id

    def attributes(self) -> dict[str, Any]:
        return {"APIKeyId": self.key_id}


class UsagePlanKey(EmulatedResource, CloudFormationModel):
    """AWS::ApiGateway::UsagePlanKey: the key added to the plan in moto (GetUsagePlanKeys);
    Ref is `<key id>:<plan id>`, as AWS returns it. Every property replaces it."""

    TYPE = "AWS::ApiGateway::UsagePlanKey"
    CREATE_ONLY = ("KeyId", "KeyType", "UsagePlanId")

    def on_create(self) -> None:
        _backend(self).create_usage_plan_key(
            self.prop("UsagePlanId"), {"keyId": self.prop("KeyId"), "keyType": self.prop("KeyType")}
        )

    def on_delete(self) -> None:
        keys = _backend(self).usage_plan_keys.get(self.prop("UsagePlanId"), {})
        keys.pop(self.prop("KeyId"), None)

    def ref(self) -> str:
        return f"{self.prop('KeyId')}:{self.prop('UsagePlanId')}"


class Authorizer(EmulatedResource, CloudFormationModel):
    """AWS::ApiGateway::Authorizer: a moto authorizer of the REST API (GetAuthorizers shows
    its type, URI, identity source and TTL); Ref and AuthorizerId are its id."""

    TYPE = "AWS::ApiGateway::Authorizer"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = frozenset({"AuthorizerId"})
    CREATE_ONLY = ("RestApiId",)

    def _settings(self) -> dict[str, Any]:
        return {
            "provider_arns": self.prop("ProviderARNs"),
            "auth_type": self.prop("AuthType"),
            "authorizer_uri": self.prop("AuthorizerUri"),
            "authorizer_credentials": self.prop("AuthorizerCredentials"),
            "identity_source": self.prop("IdentitySource"),
            "identiy_validation_expression": self.prop("IdentityValidationExpression"),
            "authorizer_result_ttl": self.prop("AuthorizerResultTtlInSeconds", 300),
        }

    def on_create(self) -> None:
        authorizer = _backend(self).create_authorizer(
            self.prop("RestApiId"), self.name, self.prop("Type"), **self._settings()
        )
        self.authorizer_id = authorizer.id

    def on_update(self, previous: dict[str, Any]) -> None:
        self.on_delete()
        api = _backend(self).get_rest_api(self.prop("RestApiId"))
        api.create_authorizer(self.authorizer_id, self.name, self.prop("Type"), **self._settings())

    def on_delete(self) -> None:
        api = _backend(self).apis.get(self.prop("RestApiId"))
        if api is not None:
            api.authorizers.pop(self.authorizer_id, None)

    def ref(self) -> str:
        return self.authorizer_id

    def attributes(self) -> dict[str, Any]:
        return {"AuthorizerId": self.authorizer_id}
