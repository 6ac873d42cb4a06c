"""Shared data for the analysis tests: the ECSI data sets and their models.

The data sets and the R plspm reference results are kept in ``results/`` (see its README), so
the tests run on a plain clone; a missing file is an error, never a skip.
"""
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results"

SATISFACTION_MODEL = """
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
"""

MOBI_MODEL = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints   =~ CUSCO
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Expectation  ~ Image
Quality      ~ Expectation
Value        ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints   ~ Satisfaction
Loyalty      ~ Image + Satisfaction + Complaints
"""


def ecsi(name: str) -> Path:
    """Path of a data set or reference table in ``results/``."""
    return RESULTS / name


@pytest.fixture(scope="session")
def satisfaction() -> pd.DataFrame:
    return pd.read_csv(ecsi("satisfaction.csv"), index_col=0)


@pytest.fixture(scope="session")
def mobi() -> pd.DataFrame:
    return pd.read_csv(ecsi("mobi.csv"), index_col=0)


@pytest.fixture(scope="session")
def reference():
    """Reader of the R plspm reference tables."""
    def read(name: str, **kwargs) -> pd.DataFrame:
        return pd.read_csv(ecsi(f"satisfaction.{name}.csv"), **kwargs)
    return read
