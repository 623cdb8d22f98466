"""The FC service and the three functions, all from one reproducible code package."""

from __future__ import annotations

from cdktf import AssetType, ITerraformDependable, TerraformAsset
from constructs import Construct

from infra.package import CodePackage
from infra.resources import FcFunction, FcService


class RestoreFunctions(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        service_name: str,
        functions: dict[str, tuple[str, str]],
        package: CodePackage,
        runtime: str,
        memory_mb: int,
        timeout_s: int,
        role_arn: str,
        log_project: str,
        log_store: str,
        depends_on: list[ITerraformDependable],
    ) -> None:
        """`functions` maps a construct id to (FC function name, handler)."""
        super().__init__(scope, id_)
        # A FILE asset copies our zip as is; an ARCHIVE asset is re-zipped by CDKTF
        # (Node's archiver), storing mtimes and modes, so its bytes and code_checksum would change per checkout.
        asset = TerraformAsset(self, "code", path=str(package.path), type=AssetType.FILE, asset_hash=package.crc64)
        self.service = FcService(
            self,
            "service",
            name=service_name,
            role_arn=role_arn,
            log_project=log_project,
            log_store=log_store,
            description="oss-restore handlers",
            depends_on=depends_on,
        )
        self.functions = {
            key: FcFunction(
                self,
                key,
                service=self.service,
                name=name,
                handler=handler,
                runtime=runtime,
                filename=asset.path,
                code_checksum=package.crc64,
                memory_size=memory_mb,
                timeout=timeout_s,
                description=f"oss-restore {key}",
            )
            for key, (name, handler) in functions.items()
        }
