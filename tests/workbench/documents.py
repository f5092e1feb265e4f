"""Test documents for attachments and citations: the 30-page annual report (page 17 holds the honey ``FACT``)
and the short ``WATER`` note whose pages 2 and 4 hold look-alike facts."""

from __future__ import annotations

from tests.fakes import docs

TOPICS = [
    ("Introduction", "This annual report describes the work of the Northern Institute for Applied Research during "
                     "the year. It covers research groups, facilities, finances and outreach."),
    ("Governance", "The board of trustees met four times. It approved a new conflict of interest policy and appointed "
                   "two external members with experience in university administration."),
    ("Staff", "The institute employed 212 people at the end of the year, including 87 doctoral students. Recruitment "
              "focused on data science and laboratory technicians."),
    ("Finances", "Total income rose to 48 million euros, mostly from competitive grants. Overheads were kept below "
                 "eleven percent through shared procurement with partner universities."),
    ("Computing", "The computing cluster was extended with forty new nodes. Average queue waiting time fell from nine "
                  "hours to two hours after the scheduler was reconfigured."),
    ("Library", "The library digitised its collection of historical field notebooks. Opening hours were extended to "
                "late evenings during examination periods."),
    ("Safety", "There were three minor laboratory incidents and no serious injuries. All staff completed the revised "
               "chemical handling course."),
    ("Teaching", "Institute researchers taught twelve graduate courses. The most popular was an introduction to "
                 "statistical programming for biologists."),
    ("Climate group", "The climate group published a regional rainfall reconstruction covering five centuries, based "
                      "on tree rings and church records."),
    ("Materials group", "The materials group developed a recyclable polymer for food packaging that degrades in "
                        "industrial compost within eight weeks."),
    ("Health group", "The health group ran a cohort study on sleep patterns of shift workers and found strong links "
                     "between night shifts and blood pressure."),
    ("Energy group", "The energy group tested a small heat pump prototype in twenty homes and measured a seasonal "
                     "performance factor of 3.8."),
    ("Water group", "The water group mapped microplastic concentrations along the river and identified two "
                    "wastewater plants as major sources."),
    ("Robotics group", "The robotics group built a legged robot for inspecting pipelines and demonstrated it in a "
                       "disused industrial site."),
    ("Linguistics group", "The linguistics group recorded interviews with the last speakers of a regional dialect "
                          "and published an annotated corpus."),
    ("Partnerships", "New partnerships were signed with three universities abroad, enabling student exchanges and "
                     "shared supervision of doctoral theses."),
    ("Campus grounds", "Volunteers from the staff kept six beehives on the roof of the main building. The colonies "
                       "produced 42 kilograms of honey, which was sold at the winter fair to fund scholarships."),
    ("Outreach", "The open day attracted 3,400 visitors. School classes could take part in hands-on experiments about "
                 "light and colour."),
    ("Publications", "Researchers published 318 peer-reviewed articles, of which seventy percent are open access. "
                     "Citation counts continued to grow."),
    ("Patents", "Four patent applications were filed, two of them on sensor technology for agricultural soils."),
    ("Equipment", "A new electron microscope was installed in the basement after the floor was reinforced to reduce "
                  "vibration."),
    ("Sustainability", "Electricity use fell by twelve percent after lighting was replaced and ventilation schedules "
                       "were adapted to occupancy."),
    ("Diversity", "The share of women among group leaders rose to forty percent. A mentoring programme paired junior "
                  "researchers with senior colleagues."),
    ("Data management", "Every project now has a data management plan. The institute repository holds 1.2 petabytes "
                        "of research data."),
    ("Ethics", "The ethics committee reviewed 64 study protocols and introduced a faster procedure for low-risk "
               "surveys."),
    ("Awards", "Two researchers received national prizes, one for work on flood forecasting and one for science "
               "communication."),
    ("Visitors", "Ninety guest researchers spent between one week and six months at the institute, mostly from "
                 "neighbouring countries."),
    ("Risks", "The main risks identified are rising energy prices, dependence on short-term grants and the ageing of "
              "laboratory buildings."),
    ("Outlook", "Next year the institute plans to open a new laboratory for quantum sensing and to renovate the main "
                "lecture hall."),
    ("Acknowledgements", "The institute thanks its funders, partners and the many volunteers who supported its work "
                         "throughout the year."),
]
FACT = "42 kilograms of honey"
# a short PDF whose page 4 holds a fact like page 2's (another pump's rate): the chat's citations must tell them apart
WATER = [
    "1. About this note\nThis note summarises how the municipal water network of Harlow county ran in 2025: "
    "pumping, treatment, maintenance, money and people.",
    "2. Pumping\nThe Lake Vernon pump station delivered 1,850 litres per minute on average. Its three pumps were "
    "overhauled in March, which cut their energy use by nine percent.",
    "3. Treatment\nThe treatment plant at Oakridge added a second ultraviolet disinfection line. Turbidity stayed "
    "below 0.3 NTU in every monthly sample.",
    "4. Maintenance\nCrews replaced 14 kilometres of cast-iron mains. During the repairs the backup pump at Millbrook "
    "delivered 600 litres per minute.",
]


def report_pages() -> list[str]:
    """30 pages: a numbered heading and a short paragraph each; page 17 holds the honey fact."""
    return [f"{n}. {title}\n{body}" for n, (title, body) in enumerate(TOPICS, start=1)]


def report_pdf() -> bytes:
    return docs.pdf_file(report_pages(), title="Annual report")
