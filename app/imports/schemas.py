"""What POST /v1/imports answers."""

from pydantic import BaseModel, ConfigDict, Field


class ImportProblem(BaseModel):
    file: str = Field(
        description="Where the problem is: `body`, or for a table its file's name or `mapping`."
    )
    line: int = Field(description="Line in the file (the CSV header is line 1); 0: the whole.")
    message: str = Field(description="What is wrong; for a table, in which column too.")


class ImportResult(BaseModel):
    dry_run: bool
    valid: bool = Field(description="True when every row passed; a real import then committed.")
    created: int
    updated: int = Field(description="Rows that changed an observation: each a new revision.")
    unchanged: int
    retracted: int = Field(
        description="Figures of a table that its newer release no longer holds: retracted."
    )
    problems: list[ImportProblem]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dry_run": True,
                    "valid": False,
                    "created": 11,
                    "updated": 1,
                    "unchanged": 9,
                    "retracted": 0,
                    "problems": [
                        {
                            "file": "body",
                            "line": 23,
                            "message": "origin: 'XXX' is not an ISO 3166-1 alpha-3 country code; "
                            "use three letters such as PRK or RUS",
                        }
                    ],
                }
            ]
        }
    )
