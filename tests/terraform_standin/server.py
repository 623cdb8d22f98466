"""The plugin executable: Terraform's provider protocol v6 over `tf`'s go-plugin handshake, TLS and gRPC.

The real alicloud provider speaks protocol v5 through the plugin SDK; Terraform core applies the same
schema, plan and apply checks to both. The stand-in does not claim the legacy type system, so Terraform
checks its plans and applies strictly (a planned value that apply changes is an error, not a warning).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import grpc
import tf.provider
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc
from tf.runner import run_provider
from tf.utils import read_dynamic_value, to_dynamic_value

from terraform_standin import lifecycle
from terraform_standin.schema import provider_schema, schema_response


def _error(summary: str, detail: str = "", path: str | None = None) -> pb.Diagnostic:
    attribute = (
        pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=step) for step in path.split(".")])
        if path
        else None
    )
    return pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail, attribute=attribute)


class StandinProvider(rpc.ProviderServicer):
    def __init__(self) -> None:
        self.schema = provider_schema()
        self.account = lifecycle.Account(region="", account_id=lifecycle.DEFAULT_ACCOUNT)

    def GetMetadata(self, request: pb.GetMetadata.Request, context: grpc.ServicerContext) -> pb.GetMetadata.Response:
        return pb.GetMetadata.Response(
            resources=[pb.GetMetadata.ResourceMetadata(type_name=name) for name in self.schema.resources]
        )

    def GetProviderSchema(
        self, request: pb.GetProviderSchema.Request, context: grpc.ServicerContext
    ) -> pb.GetProviderSchema.Response:
        return schema_response()

    def ValidateProviderConfig(
        self, request: pb.ValidateProviderConfig.Request, context: grpc.ServicerContext
    ) -> pb.ValidateProviderConfig.Response:
        return pb.ValidateProviderConfig.Response()

    def ConfigureProvider(
        self, request: pb.ConfigureProvider.Request, context: grpc.ServicerContext
    ) -> pb.ConfigureProvider.Response:
        config = read_dynamic_value(request.config) or {}
        region = config.get("region")
        if not isinstance(region, str) or not region:
            # The provider falls back to ALICLOUD_REGION and fails without any region; the stacks always set it.
            return pb.ConfigureProvider.Response(diagnostics=[_error("region is required", path="region")])
        account = config.get("account_id")
        self.account = lifecycle.Account(
            region=region, account_id=account if isinstance(account, str) and account else lifecycle.DEFAULT_ACCOUNT
        )
        return pb.ConfigureProvider.Response()

    def ValidateResourceConfig(
        self, request: pb.ValidateResourceConfig.Request, context: grpc.ServicerContext
    ) -> pb.ValidateResourceConfig.Response:
        config = read_dynamic_value(request.config)
        forbidden = lifecycle.forbidden_computed(self.schema.block(request.type_name), config)
        return pb.ValidateResourceConfig.Response(
            diagnostics=[
                _error("Computed attributes cannot be set", f'"{path}": this field cannot be set', path)
                for path in forbidden
            ]
        )

    def UpgradeResourceState(
        self, request: pb.UpgradeResourceState.Request, context: grpc.ServicerContext
    ) -> pb.UpgradeResourceState.Response:
        # Schema version 0 throughout: the stored JSON is already in the current shape.
        return pb.UpgradeResourceState.Response(upgraded_state=to_dynamic_value(json.loads(request.raw_state.json)))

    def ReadResource(self, request: pb.ReadResource.Request, context: grpc.ServicerContext) -> pb.ReadResource.Response:
        state = read_dynamic_value(request.current_state)
        reported = json.loads(request.private) if request.private else {}
        new_state = None if state is None else lifecycle.read(request.type_name, state, reported)
        return pb.ReadResource.Response(new_state=to_dynamic_value(new_state), private=request.private)

    def PlanResourceChange(
        self, request: pb.PlanResourceChange.Request, context: grpc.ServicerContext
    ) -> pb.PlanResourceChange.Response:
        proposed = read_dynamic_value(request.proposed_new_state)
        if proposed is None:  # destroy
            return pb.PlanResourceChange.Response(planned_state=to_dynamic_value(None))
        planned = lifecycle.plan(self.schema.block(request.type_name), proposed)
        return pb.PlanResourceChange.Response(
            planned_state=to_dynamic_value(planned), planned_private=request.prior_private
        )

    def ApplyResourceChange(
        self, request: pb.ApplyResourceChange.Request, context: grpc.ServicerContext
    ) -> pb.ApplyResourceChange.Response:
        planned: dict[str, Any] | None = read_dynamic_value(request.planned_state)
        if planned is None:  # destroy
            return pb.ApplyResourceChange.Response(new_state=to_dynamic_value(None))
        try:
            state, reported = lifecycle.apply(
                request.type_name,
                self.schema.block(request.type_name),
                planned,
                account=self.account,
                workdir=Path(os.getcwd()),
            )
        except (KeyError, OSError) as e:
            return pb.ApplyResourceChange.Response(diagnostics=[_error(f"apply of {request.type_name} failed", str(e))])
        return pb.ApplyResourceChange.Response(
            new_state=to_dynamic_value(state), private=json.dumps(reported, sort_keys=True).encode()
        )

    def StopProvider(self, request: pb.StopProvider.Request, context: grpc.ServicerContext) -> pb.StopProvider.Response:
        return pb.StopProvider.Response()


def main() -> None:
    servicer = StandinProvider()
    # tf's runner does the go-plugin handshake, TLS and the controller/stdio services, but builds its
    # servicer from tf.provider.ProviderServicer, whose type helpers cannot express this schema; hand it ours.
    tf.provider.ProviderServicer = lambda _app: servicer
    run_provider(None, ["terraform-provider-alicloud"])


if __name__ == "__main__":
    main()
